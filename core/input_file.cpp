#include "core/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "core/error.h"

namespace ember::detail {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

int open_regular_file(const std::string& path, const std::string& op, const std::string& what) {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever. It
  // changes nothing for a regular file, the only kind read past the fstat.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == EISDIR) fail(op, ": ", path, ": is a folder, not ", what);
    fail(op, ": ", path, ": cannot open the file: ", std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    fail(op, ": ", path, ": cannot stat the file: ", std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    const char* kind = kind_of(st.st_mode);
    fail(op, ": ", path, ": is ", kind, ", not ", what, " (only regular files are read)");
  }
  return fd;
}

std::string read_regular_file(const std::string& path, const std::string& op, const std::string& what,
                              uint64_t max_bytes) {
  Fd file{open_regular_file(path, op, what)};
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) fail(op, ": ", path, ": cannot stat the file: ", std::strerror(errno));
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    fail(op, ": ", path, ": the file has ", size, " bytes, more than the ", max_bytes, "-byte limit for ",
         what);
  std::string bytes;
  try {
    bytes.resize(size);
  } catch (const std::bad_alloc&) {
    fail(op, ": ", path, ": the file has ", size, " bytes, more than memory can hold");
  }
  uint64_t done = 0;
  // Up to the size fstat gave: a file growing while it is read is read as it was.
  while (done < size) {
    ssize_t got = ::read(file.fd, bytes.data() + done, size - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(op, ": ", path, ": read error: ", std::strerror(errno));
    }
    if (got == 0) break;  // shrank meanwhile: the format checks report what is missing
    done += static_cast<uint64_t>(got);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace ember::detail
