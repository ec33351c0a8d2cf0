// Fuzzes the IDX reader (data/idx.h) with the bytes of a file. The first byte
// picks the entry point (read_idx, read_idx_images flat or not, read_idx_labels)
// and whether the rest is written as is or gzip-compressed first, so that the
// header checks are reached inside a gzip stream too (the plain bytes still
// reach zlib's own checks when they happen to look like gzip).
#include <zlib.h>

#include <cmath>

#include "core/error.h"
#include "data/idx.h"
#include "fuzz_util.h"

namespace {

void write_gzip(const std::string& path, const uint8_t* data, size_t size) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (size) gzwrite(f, data, static_cast<unsigned>(size));
  gzclose(f);
}

int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int entry = data[0] % 4;
  const bool gzip = data[0] & 4;
  const std::string path = (ember_fuzz::scratch_dir() / (gzip ? "input.idx.gz" : "input.idx")).string();
  if (gzip)
    write_gzip(path, data + 1, size - 1);
  else
    ember_fuzz::write_file("input.idx", data + 1, size - 1);
  try {
    if (entry == 0) {
      ember::data::IdxArray a = ember::data::read_idx(path);
      FUZZ_CHECK(!a.dims.empty() && a.dims.size() <= 255, "read_idx: %zu dims", a.dims.size());
      FUZZ_CHECK(static_cast<int64_t>(a.bytes.size()) == product(a.dims),
                 "read_idx: %zu bytes for %lld values", a.bytes.size(),
                 static_cast<long long>(product(a.dims)));
      // Exactly header + payload: the reader accepts no byte more or less.
      FUZZ_CHECK(size - 1 == 4 + 4 * a.dims.size() + a.bytes.size() || gzip || (size > 2 && data[1] == 0x1f),
                 "read_idx: %zu file bytes for a %zu-dim header and %zu values", size - 1, a.dims.size(),
                 a.bytes.size());
    } else if (entry == 3) {
      ember::Tensor t = ember::data::read_idx_labels(path);
      FUZZ_CHECK(t.dim() == 1, "read_idx_labels: rank %lld", static_cast<long long>(t.dim()));
      for (float v : t.to_vector()) FUZZ_CHECK(v >= 0 && v <= 255 && v == std::floor(v), "label %g", v);
    } else {
      const bool flatten = entry == 1;
      ember::Tensor t = ember::data::read_idx_images(path, flatten);
      FUZZ_CHECK(t.dim() == (flatten ? 2 : 3), "read_idx_images: rank %lld", static_cast<long long>(t.dim()));
      for (float v : t.to_vector()) FUZZ_CHECK(v >= 0 && v <= 1, "pixel %g", v);
    }
  } catch (const ember::Error&) {
    // A bad file, reported: what the reader promises.
  }
  return 0;
}
