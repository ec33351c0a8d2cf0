// Opening and reading the files ember's loaders take from users (checkpoints,
// IDX files, JSON digits). Only regular files: a FIFO would block the open or
// the read forever, /dev/zero never ends, a folder reads as an error code
// ("Is a directory") that names nothing the user did. So the file is opened
// without blocking, fstat'ed on the open descriptor (no race with a rename
// between a stat and the open) and refused at once unless it is regular; a
// read stops at the size fstat gave and at the caller's bound.
#pragma once

#include <cstdint>
#include <string>

namespace ember::detail {

/// Opens `path` read-only and returns the descriptor (the caller closes it), or
/// throws ember::Error "<op>: <path>: is a folder, not <what>" (a named pipe, a
/// device, a socket …) or "<op>: <path>: cannot open the file: <reason>".
/// `what` is the kind of file expected: "a safetensors file".
int open_regular_file(const std::string& path, const std::string& op, const std::string& what);

/// The whole content of a regular file of at most max_bytes, read through
/// open_regular_file; a larger file is an ember::Error naming the limit.
std::string read_regular_file(const std::string& path, const std::string& op, const std::string& what,
                              uint64_t max_bytes);

}  // namespace ember::detail
