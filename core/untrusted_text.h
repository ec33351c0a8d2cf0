// Text that comes from a file or a user, checked before it is trusted: whether
// it is UTF-8 (JSON's strings must be; nlohmann's dump() throws on anything
// else), and a bounded, escaped form of it for error messages, so that a
// 100 MB tensor name or a control character never lands in a message whole.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ember::detail {

/// The offset of the first byte that is not part of valid UTF-8 (overlong forms,
/// surrogates and code points past U+10FFFF included), or nullopt if all is valid.
std::optional<size_t> invalid_utf8_at(std::string_view text);

/// `text` for a message: bytes that are not printable ASCII or valid UTF-8 as \xNN,
/// control characters escaped, and cut to about max_chars with "… (N bytes)".
std::string printable(std::string_view text, size_t max_chars = 64);

}  // namespace ember::detail
