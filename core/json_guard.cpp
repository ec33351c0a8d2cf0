#include "core/json_guard.hpp"

#include <set>
#include <vector>

#include "core/error.h"

namespace ember::detail {

namespace {

// One pass with a loop (no recursion): the depth of brackets outside strings.
void check_depth(std::string_view text, const std::string& context, const std::string& what) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth)
        fail(context, ": ", what, " nests deeper than ", kMaxJsonDepth, " levels (at byte ", i,
             "); the file is damaged or hostile");
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;  // an unbalanced bracket is the parser's to report
    }
  }
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& context, const std::string& what) {
  check_depth(text, context, what);
  if (auto at = invalid_utf8_at(text))
    fail(context, ": ", what, " is not valid UTF-8 (byte ", *at,
         " of the text: ", printable(text.substr(*at, 4), 16), ")");
  // Keys seen in each object being parsed, innermost last; the first repeat is reported after the parse.
  std::vector<std::set<std::string>> keys;
  std::optional<std::string> duplicate;
  using Event = nlohmann::json::parse_event_t;
  auto on_event = [&](int /*depth*/, Event event, nlohmann::json& parsed) {
    if (event == Event::object_start) {
      keys.emplace_back();
    } else if (event == Event::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == Event::key && !keys.empty() && !duplicate) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, on_event);
  } catch (const nlohmann::json::exception& e) {
    fail(context, ": ", what, " is not valid JSON (", printable(e.what(), 160), ")");
  }
  if (duplicate) fail(context, ": ", what, " has the key '", printable(*duplicate), "' twice in one object");
  return value;
}

std::string json_excerpt(const nlohmann::json& value, size_t max_chars) {
  // replace: a string holding invalid UTF-8 cannot come from parse_json, but dump must not throw here.
  return printable(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), max_chars);
}

}  // namespace ember::detail
