// safetensors reading and writing. Validation follows the format's own rules
// (the reference reader's): the header is a JSON object; every tensor entry has
// a known dtype, a shape of non-negative sizes and data_offsets [begin, end]
// whose length is exactly the tensor's bytes; the tensors tile the data region
// with no overlap and no hole, and nothing follows the last one.
#include "nn/serialize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/input_file.h"
#include "core/json_guard.hpp"

namespace ember::nn {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; so is this reader");

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference implementation's limit

// Writes all bytes or throws.
void write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("save: ", path, ": write failed: ", std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

// Closes a descriptor and removes the temporary file unless the save finished.
struct TempFile {
  int fd = -1;
  std::string path;
  bool done = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!done && !path.empty()) ::unlink(path.c_str());
  }
};

void fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // some filesystems cannot open a folder; the rename is still atomic
  ::fsync(fd);
  ::close(fd);
}

std::string join_names(const std::vector<std::string>& names, size_t limit = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + detail::printable(names[i]);
  if (names.size() > limit) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out;
}

int64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, int64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"I64", 8},     {"U64", 8}, {"F64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? -1 : it->second;
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata,
                       const std::vector<std::string>& int64_names) {
  const std::set<std::string> as_int64(int64_names.begin(), int64_names.end());
  // The header is JSON, whose strings are UTF-8: anything else would make dump() throw
  // nlohmann's type_error, or (on the reading side) a file no tool reads.
  for (const auto& [key, value] : metadata) {
    if (auto at = detail::invalid_utf8_at(key))
      fail("save: ", path, ": metadata key '", detail::printable(key), "' is not valid UTF-8 (byte ", *at,
           ")");
    if (auto at = detail::invalid_utf8_at(value))
      fail("save: ", path, ": metadata value of '", detail::printable(key), "' is not valid UTF-8 (byte ",
           *at, ": '", detail::printable(value), "')");
  }
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const std::string shown = detail::printable(name);
    if (name.empty() || name == "__metadata__") fail("save: ", path, ": invalid tensor name '", shown, "'");
    if (auto at = detail::invalid_utf8_at(name))
      fail("save: ", path, ": tensor name '", shown, "' is not valid UTF-8 (byte ", *at, ")");
    if (!seen.insert(name).second) fail("save: ", path, ": tensor name '", shown, "' appears twice");
    if (!t.defined()) fail("save: ", path, ": tensor '", shown, "' is undefined");
    const bool int64 = as_int64.count(name) != 0;
    if (int64)
      for (int64_t i = 0; i < t.numel(); ++i)
        if (!(std::isfinite(t.data()[i]) && std::nearbyint(t.data()[i]) == t.data()[i]))
          fail("save: ", path, ": tensor '", shown, "' is saved as int64 but holds ", t.data()[i],
               " at index ", i, ", not a whole number");
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * (int64 ? sizeof(int64_t) : sizeof(float));
    header[name] = {
        {"dtype", int64 ? "I64" : "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // align the data to 8 bytes, as the reference writer does
  uint64_t n = text.size();
  char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);

  std::filesystem::path target(path);
  TempFile tmp;
  tmp.path = path + ".tmp-XXXXXX";
  tmp.fd = ::mkstemp(tmp.path.data());
  if (tmp.fd < 0) {
    tmp.path.clear();
    fail("save: ", path, ": cannot create a temporary file next to it: ", std::strerror(errno));
  }
  write_all(tmp.fd, length, 8, path);
  write_all(tmp.fd, text.data(), text.size(), path);
  for (const auto& [name, t] : tensors) {
    if (as_int64.count(name)) {
      std::vector<int64_t> whole(t.data(), t.data() + t.numel());  // checked above: exact
      write_all(tmp.fd, reinterpret_cast<const char*>(whole.data()), whole.size() * sizeof(int64_t), path);
      continue;
    }
    write_all(tmp.fd, reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.numel()) * sizeof(float),
              path);
  }
  ::fchmod(tmp.fd, 0644);  // mkstemp makes it 0600; a checkpoint is an ordinary file
  if (::fsync(tmp.fd) != 0) fail("save: ", path, ": fsync failed: ", std::strerror(errno));
  if (::close(tmp.fd) != 0) {
    tmp.fd = -1;
    fail("save: ", path, ": close failed: ", std::strerror(errno));
  }
  tmp.fd = -1;
  if (::rename(tmp.path.c_str(), path.c_str()) != 0)
    fail("save: ", path, ": cannot rename the temporary file into place: ", std::strerror(errno));
  tmp.done = true;
  fsync_dir(target.parent_path());
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::string bytes =
      detail::read_regular_file(path, "load", "a safetensors file", std::numeric_limits<uint64_t>::max());
  uint64_t size = bytes.size();
  if (size < 8)
    fail("load: ", path, ": file is truncated (", size,
         " bytes; a safetensors file starts with an 8-byte header length)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  if (n > size - 8)
    fail("load: ", path, ": header length ", n, " is larger than the rest of the file (", size - 8,
         " bytes): the file is truncated or not a safetensors file");
  if (n > kMaxHeader) fail("load: ", path, ": header length ", n, " exceeds the ", kMaxHeader, "-byte limit");
  std::string_view text(bytes.data() + 8, n);
  if (text.empty() || text.front() != '{')
    fail("load: ", path, ": the header does not start with '{' (not a safetensors file)");
  nlohmann::json header = detail::parse_json(text, "load: " + path, "the header");
  if (!header.is_object()) fail("load: ", path, ": the header is not a JSON object");
  uint64_t data_size = size - 8 - n;
  const char* data = bytes.data() + 8 + n;

  struct Entry {
    std::string name;
    Shape shape;
    uint64_t begin, end;
    bool int64;  // I64 in the file, float32 in ember
  };
  std::vector<Entry> entries;
  SafetensorsFile file;
  for (auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail("load: ", path, ": __metadata__ is not an object of strings");
      for (auto& [k, v] : value.items()) {
        if (!v.is_string())
          fail("load: ", path, ": __metadata__ value of '", detail::printable(k), "' is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    // An init-capture: clang before 16 cannot capture a structured binding.
    auto bad = [&, &name = name](const auto&... what) {
      fail("load: ", path, ": tensor '", detail::printable(name), "': ", what...);
    };
    if (!value.is_object()) bad("its header entry is not an object");
    if (!value.contains("dtype") || !value["dtype"].is_string()) bad("missing or invalid dtype");
    std::string dtype = value["dtype"].get<std::string>();
    int64_t item = dtype_size(dtype);
    if (item < 0) bad("unknown dtype '", detail::printable(dtype), "'");
    if (dtype != "F32" && dtype != "I64")
      bad("dtype ", dtype, " is not supported (ember reads F32 and I64 only)");
    if (!value.contains("shape") || !value["shape"].is_array()) bad("missing or invalid shape");
    Entry e{name, {}, 0, 0, dtype == "I64"};
    uint64_t numel = 1;
    for (auto& d : value["shape"]) {
      if (!d.is_number_unsigned())
        bad("shape has a size that is not a non-negative integer: ", detail::json_excerpt(d));
      uint64_t s = d.get<uint64_t>();
      if (s > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (s != 0 && numel > std::numeric_limits<uint64_t>::max() / 8 / s))
        bad("shape ", detail::json_excerpt(value["shape"]), " is too large");
      numel *= s;
      e.shape.push_back(static_cast<int64_t>(s));
    }
    const auto& offsets = value.contains("data_offsets") ? value["data_offsets"] : nlohmann::json();
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      bad("data_offsets must be [begin, end] with non-negative integers");
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    if (e.begin > e.end) bad("data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    if (e.end > data_size)
      bad("data_offsets [", e.begin, ", ", e.end, "] go past the end of the data (", data_size,
          " bytes): the file is truncated or the header is wrong");
    if (e.end - e.begin != numel * static_cast<uint64_t>(item))
      bad("data_offsets [", e.begin, ", ", e.end, "] span ", e.end - e.begin, " bytes but shape ", e.shape,
          " of ", dtype, " needs ", numel * static_cast<uint64_t>(item));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < expected)
      fail("load: ", path, ": tensors '", detail::printable(entries[i - 1].name), "' and '",
           detail::printable(e.name), "' overlap (bytes [", e.begin, ", ", expected,
           ") of the data are claimed by both)");
    if (e.begin > expected)
      fail("load: ", path, ": bytes [", expected, ", ", e.begin,
           ") of the data belong to no tensor (before '", detail::printable(e.name),
           "'); the header is inconsistent");
    expected = e.end;
  }
  if (expected != data_size)
    fail("load: ", path, ": the file has ", data_size - expected, " bytes after the last tensor's data (",
         data_size, " data bytes, tensors cover ", expected, "); the header is inconsistent");
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape);
    if (e.int64) {
      // Whole numbers as float32: exact up to 2^24 (a count of batches), rounded to nearest beyond.
      float* out = t.data();
      for (int64_t i = 0; i < t.numel(); ++i) {
        int64_t v;
        std::memcpy(&v, data + e.begin + 8 * static_cast<uint64_t>(i), 8);
        out[i] = static_cast<float>(v);
      }
    } else if (e.end > e.begin) {
      std::memcpy(t.data(), data + e.begin, e.end - e.begin);
    }
    file.tensors.emplace_back(e.name, t);
  }
  return file;
}

void save(const Module& module, const std::string& path, const Metadata& metadata) {
  NamedTensors tensors = module.named_parameters();
  for (auto& named : module.named_buffers()) tensors.push_back(named);
  write_safetensors(path, tensors, metadata, module.int64_buffer_names());
}

TensorCopies match_tensors(Module& module, const NamedTensors& tensors, const std::string& source,
                           const std::string& prefix) {
  std::map<std::string, Tensor> in_file(tensors.begin(), tensors.end());
  NamedTensors targets = module.named_parameters();
  for (auto& named : module.named_buffers()) targets.push_back(named);
  TensorCopies copies;
  std::vector<std::string> missing;
  std::set<std::string> wanted;
  for (const auto& [model_name, t] : targets) {
    const std::string name = prefix + model_name;
    wanted.insert(name);
    auto it = in_file.find(name);
    if (it == in_file.end()) {
      missing.push_back(name);
      continue;
    }
    if (it->second.shape() != t.shape())
      fail("load: ", source, ": tensor '", name, "' has shape ", it->second.shape(), " in the file but ",
           t.shape(), " in the model");
    copies.emplace_back(t, it->second);
  }
  if (!missing.empty())
    fail("load: ", source, ": the model's tensor", missing.size() > 1 ? "s " : " ", join_names(missing),
         missing.size() > 1 ? " are" : " is", " missing from the file");
  std::vector<std::string> extra;
  for (const auto& [name, t] : tensors)
    if (!wanted.count(name)) extra.push_back(name);
  if (!extra.empty())
    fail("load: ", source, ": the file has tensor", extra.size() > 1 ? "s " : " ", join_names(extra),
         " that the model does not have");
  return copies;
}

void copy_tensors(const TensorCopies& copies) {
  NoGradGuard no_grad;  // loading is not a step of the model's computation
  // A Tensor is a handle: the copy of the pair still writes into the module's storage.
  for (auto [destination, value] : copies) destination.copy_(value);
}

void load(Module& module, const std::string& path) {
  // Everything checked before, and only before, anything is written into the model.
  copy_tensors(match_tensors(module, read_safetensors(path).tensors, path));
}

const std::string& MetadataReader::text(const std::string& key) const {
  auto it = metadata.find(key);
  if (it == metadata.end())
    fail(context, ": metadata '", detail::printable(key), "' is missing", missing_hint);
  return it->second;
}

int64_t MetadataReader::integer(const std::string& key) const {
  const std::string& s = text(key);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    fail(context, ": metadata '", detail::printable(key), "' = '", detail::printable(s),
         "' is not an integer");
  return v;
}

double MetadataReader::real(const std::string& key) const {
  const std::string& s = text(key);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);  // strtod, not from_chars: it also reads "%a" hex floats
  if (s.empty() || end != s.c_str() + s.size())
    fail(context, ": metadata '", detail::printable(key), "' = '", detail::printable(s), "' is not a number");
  return v;
}

std::string exact_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);  // 17 significant digits identify a double
  return text;
}

}  // namespace ember::nn
