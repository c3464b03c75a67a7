#include "dita/contracts/json_text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace dita {

namespace {

// One open array or object; the stack is bounded by depth_max, itself capped here.
struct Frame {
    bool object = false;
    std::size_t members = 0; // commas seen at this level
};
constexpr std::size_t depth_cap = 256;

bool json_whitespace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string byte_name(unsigned char c) {
    std::array<char, 8> out{};
    std::snprintf(out.data(), out.size(), "0x%02x", static_cast<unsigned>(c));
    return std::string(out.data());
}

} // namespace

std::optional<JsonTextProblem> scan_json_text(std::string_view text, const JsonTextLimits& limits) {
    if (text.size() > limits.bytes_max) {
        return JsonTextProblem{limits.bytes_max, "text of " + std::to_string(text.size()) + " bytes, at most " +
                                                      std::to_string(limits.bytes_max)};
    }
    const std::size_t depth_max = std::min(limits.depth_max, depth_cap);
    std::array<Frame, depth_cap> stack{};
    std::size_t depth = 0;
    std::size_t values = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 && !(!in_string && json_whitespace(c))) {
            return JsonTextProblem{i, "control byte " + byte_name(c) + (in_string ? " inside a string" : "")};
        }
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
        case '"': in_string = true; break;
        case '[':
        case '{':
            if (depth == depth_max) {
                return JsonTextProblem{i, "nesting deeper than " + std::to_string(depth_max) + " levels"};
            }
            stack[depth++] = Frame{c == '{', 0};
            if (++values > limits.values_max) {
                return JsonTextProblem{i, "more than " + std::to_string(limits.values_max) + " values"};
            }
            break;
        case ']':
        case '}':
            if (depth > 0) --depth; // an unbalanced bracket is the parser's to report
            break;
        case ',':
            if (depth == 0) break;
            if (++values > limits.values_max) {
                return JsonTextProblem{i, "more than " + std::to_string(limits.values_max) + " values"};
            }
            if (stack[depth - 1].object && ++stack[depth - 1].members >= limits.object_members_max) {
                return JsonTextProblem{i, "an object of more than " + std::to_string(limits.object_members_max) +
                                              " members"};
            }
            break;
        default: break;
        }
    }
    return std::nullopt;
}

std::string json_text_line_column(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t column = 1;
    const std::size_t end = std::min(offset, text.size());
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string bounded_excerpt(std::string_view text, std::size_t chars_max) {
    std::string out;
    const std::size_t kept = std::min(text.size(), chars_max);
    out.reserve(kept + 3);
    for (std::size_t i = 0; i < kept; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : text[i];
    }
    if (kept < text.size()) out += "...";
    return out;
}

} // namespace dita
