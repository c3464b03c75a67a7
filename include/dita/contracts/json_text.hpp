#pragma once
// Limits on JSON text, checked before any parser sees it.
//
// nlohmann's DOM is built without recursion, but copying, dumping and destroying a value
// recurse, an ordered object's insertion is linear in its size, and every value costs tens of
// bytes: a hostile 100 KB of "[[[[..." or a 16 MB object of one-letter keys would crash or
// stall a reader that trusts the parser. This scan is linear, allocation-free beyond its
// depth-bounded stack, and runs on malformed text too (it only counts brackets outside
// strings), so every reader can refuse such text with the offset and the limit broken.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dita {

struct JsonTextLimits {
    std::size_t bytes_max = 16u << 20;
    std::size_t depth_max = 64;             // nested arrays and objects
    std::size_t values_max = 2'000'000;     // array elements + object members, all levels
    std::size_t object_members_max = 4'096; // members of any one object
};

struct JsonTextProblem {
    std::size_t offset = 0; // byte offset of the problem in the text
    std::string reason;
};

// The first limit the text breaks, or a byte no JSON text may contain (a control character
// outside the JSON whitespace, e.g. a NUL); nullopt when the scan finds nothing.
std::optional<JsonTextProblem> scan_json_text(std::string_view text, const JsonTextLimits& limits);

// "line L, column C" of a byte offset (columns count bytes).
std::string json_text_line_column(std::string_view text, std::size_t offset);

// At most chars_max bytes of text, with "..." when cut, and control bytes shown as '?':
// error messages quote hostile input through this.
std::string bounded_excerpt(std::string_view text, std::size_t chars_max = 80);

} // namespace dita
