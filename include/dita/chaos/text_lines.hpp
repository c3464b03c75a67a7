#pragma once
// Lines of the JSON-lines files the chaos layer reads (input logs, event streams), read with a
// bound: std::getline would grow a string without limit on a file with no newline
// (`dita replay /dev/zero`).
#include <cstddef>
#include <istream>
#include <string>

#include "dita/contracts/json_text.hpp"

namespace dita::chaos {

enum class LineStatus { LINE, END, TOO_LONG };

struct BoundedLine {
    LineStatus status = LineStatus::END;
    std::string text; // without the '\n'; never more than chars_max bytes
};

// The next line, END at the end of the stream (a last line without '\n' is still a LINE), or
// TOO_LONG after reading chars_max + 1 bytes of it.
BoundedLine read_bounded_line(std::istream& in, std::size_t chars_max);

// True for an existing path that is not a regular file (a directory, a device, a socket):
// the readers refuse those by name instead of reading them as empty or endless files.
bool exists_but_not_regular_file(const std::string& path);

// The limits of one JSON line of a capture: nesting a record never needs, objects of at most
// the instruments a log can name.
inline JsonTextLimits capture_line_json_limits(std::size_t chars_max) {
    return JsonTextLimits{chars_max, 16, 4'000'000, 4'096};
}

} // namespace dita::chaos
