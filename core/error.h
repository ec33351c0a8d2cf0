// ember::Error: the one exception type users see. Messages name the operation,
// the shapes or values involved and what was expected, e.g.
// "linear: input has 30 features but weight expects 10 (input [100, 30], weight [5, 10])".
#pragma once

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/shape.h"

namespace ember {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

inline void append(std::ostringstream& out, const Shape& shape) { out << shape_str(shape); }
template <class T>
void append(std::ostringstream& out, const T& value) {
  out << value;
}

/// Concatenates the pieces of a message; shapes print as "[2, 3]".
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (append(out, parts), ...);
  return out.str();
}

}  // namespace detail

/// Throws ember::Error with the pieces of the message joined.
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(detail::cat(parts...));
}

/// A NaN option is always an error (docs/errors.md): a NaN bound or slope
/// would otherwise be ignored by comparisons or turn every output into NaN.
/// `op` is what the user called ("clamp", "LeakyReLU"), `option` the argument's name.
inline void check_not_nan(double value, const char* op, const char* option) {
  if (std::isnan(value)) fail(op, ": ", option, " must not be NaN, got nan");
}

}  // namespace ember
