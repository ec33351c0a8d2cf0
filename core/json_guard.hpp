// Reading JSON that a user's file supplies (safetensors headers, MNIST digits
// files) without trusting it. nlohmann::json parses, dumps and destroys values
// recursively, so a file nested 100,000 deep overflows the stack: the text is
// scanned for depth first, with a loop. The same scan checks that the text is
// UTF-8 (nlohmann refuses other bytes with a message that says nothing of
// where) and the parse reports a key that appears twice in one object, which
// nlohmann would otherwise resolve silently by keeping one.
//
// This is a .hpp on purpose: the install rule copies *.h, and nlohmann is a
// private dependency of the library.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/untrusted_text.h"

namespace ember::detail {

/// Deeper than this is refused before parsing: a safetensors header needs 3 levels, a digits file 2.
constexpr size_t kMaxJsonDepth = 64;

/// Parses a JSON text after checking its depth and encoding; a duplicate key in
/// any object, invalid JSON, invalid UTF-8 or nesting deeper than kMaxJsonDepth
/// is an ember::Error "<context>: <what> …" ("load: m.safetensors: the header …").
nlohmann::json parse_json(std::string_view text, const std::string& context, const std::string& what);

/// A JSON value as text for a message, cut short like printable().
std::string json_excerpt(const nlohmann::json& value, size_t max_chars = 64);

}  // namespace ember::detail
