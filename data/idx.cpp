// IDX reader: header first, every size checked, then exactly the payload.
#include "data/idx.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "core/input_file.h"

namespace ember::data {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

const char* type_name(uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "unknown";
  }
}

// zlib's own words for the last error, or "" when the stream merely ended.
// gzerror prefixes the file's name, which our messages already give: it is cut off.
std::string zlib_error(gzFile file, const std::string& path) {
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  if (code == Z_OK) return "";
  if (code == Z_ERRNO) return std::strerror(errno);
  std::string text = message ? message : "unknown zlib error";
  if (text.rfind(path + ": ", 0) == 0) text.erase(0, path.size() + 2);
  // Opened with gzdopen, zlib names the file "<fd:3>".
  if (size_t end = text.find(">: "); text.rfind("<fd:", 0) == 0 && end != std::string::npos)
    text.erase(0, end + 3);
  return text;
}

// zlib reports a gzip stream cut short as "unexpected end of file": that is a
// truncated file (the size checks say so), while any other error is corrupt data.
bool corrupt(const std::string& error) { return !error.empty() && error != "unexpected end of file"; }

// Reads up to n bytes; returns how many arrived. gzread takes an unsigned int
// length, so large payloads go in chunks.
int64_t read_bytes(gzFile file, const std::string& path, uint8_t* out, int64_t n, std::string& error) {
  int64_t done = 0;
  while (done < n) {
    unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
    int got = gzread(file, out + done, chunk);
    if (got < 0) {
      error = zlib_error(file, path);
      return done;
    }
    if (got == 0) break;
    done += got;
  }
  if (done < n) error = zlib_error(file, path);  // a cut gzip stream says so here
  return done;
}

// what: "image", "label" or "" — a word for the messages; want_ndims 0 accepts any
// (otherwise 3 for images, 1 for labels).
IdxArray read_checked(const std::string& path, int64_t want_ndims, const char* what) {
  // A folder, pipe or device is refused by name before zlib sees it (zlib would
  // report a folder as "corrupt gzip data (Is a directory)" and block on a FIFO).
  const int fd = detail::open_regular_file(path, "idx", "an IDX file");
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0;
  GzFile file(gzdopen(fd, "rb"));
  if (!file) {
    ::close(fd);
    fail("idx: ", path, ": cannot open (", std::strerror(errno), ")");
  }
  std::string error;

  uint8_t magic[4];
  int64_t got = read_bytes(file.get(), path, magic, 4, error);
  if (corrupt(error)) fail("idx: ", path, ": corrupt gzip data (zlib: ", error, ")");
  if (got < 4) fail("idx: ", path, ": file ends after ", got, " bytes, before the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
    fail("idx: ", path, ": bad magic number ", hex, " (an IDX file starts with 00 00 <type> <dims>)");
  }
  if (magic[2] != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", magic[2]);
    fail("idx: ", path, ": element type ", hex, " (", type_name(magic[2]),
         ") is not supported; only 0x08 (unsigned byte) is");
  }
  int64_t ndims = magic[3];
  if (ndims == 0) fail("idx: ", path, ": header declares 0 dims");
  if (want_ndims != 0 && ndims != want_ndims)
    fail("idx: ", path, ": ", what, " files have ",
         (want_ndims == 3 ? "3 dims [N, rows, cols]" : "1 dim [N]"), ", this one has ", ndims);

  std::vector<uint8_t> header(4 * ndims);
  got = read_bytes(file.get(), path, header.data(), 4 * ndims, error);
  if (corrupt(error)) fail("idx: ", path, ": corrupt gzip data (zlib: ", error, ")");
  if (got < 4 * ndims)
    fail("idx: ", path, ": file ends inside the header (", ndims, " dims need ", 4 + 4 * ndims,
         " bytes, found ", 4 + got, ")");
  IdxArray out;
  int64_t count = 1, nonzero = 1;
  for (int64_t d = 0; d < ndims; ++d) {
    const uint8_t* b = &header[4 * d];
    int64_t size = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
    out.dims.push_back(size);
    // 2^34 bytes is far beyond any real IDX file; a bigger product is a corrupt
    // header. Checked before multiplying, so the product cannot overflow, and on
    // the sizes other than 0 as well, so that no product of dims can (rows * cols
    // of a file of 0 images).
    constexpr int64_t limit = int64_t{1} << 34;
    if (size != 0 && nonzero > limit / size)
      fail("idx: ", path, ": header sizes ", Shape(out.dims),
           "... describe more than 2^34 values; corrupt header?");
    if (size != 0) nonzero *= size;
    count *= size;
  }
  const int64_t header_bytes = 4 + 4 * ndims;
  std::string data_words = std::string(what).empty() ? "data" : std::string(what) + " data";

  // A plain file's length is known before reading: check it first.
  if (gzdirect(file.get())) {
    auto size = static_cast<int64_t>(st.st_size);
    if (sized && size != header_bytes + count)
      fail("idx: ", path, ": expected ", count, " bytes of ", data_words, " (", Shape(out.dims),
           ") after the ", header_bytes, "-byte header, file has ", size - header_bytes);
    if (sized) out.bytes.reserve(static_cast<size_t>(count));  // the size is checked: one allocation
  }

  // Until the bytes arrive, the header's count is only a claim: a 30-byte gzip
  // file can announce 2^34 values. The buffer grows as data is read, so memory
  // follows what the file really holds.
  constexpr int64_t chunk = int64_t{1} << 20;
  got = 0;
  while (got < count) {
    const int64_t want = std::min(chunk, count - got);
    out.bytes.resize(static_cast<size_t>(got + want));
    const int64_t arrived = read_bytes(file.get(), path, out.bytes.data() + got, want, error);
    got += arrived;
    if (arrived < want) break;
  }
  if (corrupt(error))
    fail("idx: ", path, ": corrupt gzip data after ", got, " of ", count, " bytes of ", data_words,
         " (zlib: ", error, ")");
  if (got < count)
    fail("idx: ", path, ": expected ", count, " bytes of ", data_words, " (", Shape(out.dims),
         "), file ends after ", got, error.empty() ? "" : " (the gzip stream is cut short)");
  uint8_t extra;
  got = read_bytes(file.get(), path, &extra, 1, error);
  if (got > 0)
    fail("idx: ", path, ": more bytes than the header announces (", count, " bytes of ", data_words, ", ",
         Shape(out.dims), "); mismatched header?");
  if (!error.empty()) fail("idx: ", path, ": corrupt gzip data after the payload (zlib: ", error, ")");
  return out;
}

}  // namespace

IdxArray read_idx(const std::string& path) { return read_checked(path, 0, ""); }

Tensor read_idx_images(const std::string& path, bool flatten) {
  IdxArray a = read_checked(path, 3, "image");
  int64_t n = a.dims[0], rows = a.dims[1], cols = a.dims[2];
  Tensor t = Tensor::empty(flatten ? Shape{n, rows * cols} : Shape{n, rows, cols});
  float* p = t.data();
  // byte / 255, as torchvision's ToTensor does.
  for (size_t i = 0; i < a.bytes.size(); ++i) p[i] = static_cast<float>(a.bytes[i]) / 255.0f;
  return t;
}

Tensor read_idx_labels(const std::string& path) {
  IdxArray a = read_checked(path, 1, "label");
  Tensor t = Tensor::empty({a.dims[0]});
  float* p = t.data();
  for (size_t i = 0; i < a.bytes.size(); ++i) p[i] = static_cast<float>(a.bytes[i]);
  return t;
}

}  // namespace ember::data
