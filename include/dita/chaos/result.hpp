#pragma once
// Errors as values for the chaos layer: a value or a located error, never an exception.
#include <string>

#include "dita/contracts/result.hpp"

namespace dita::chaos {

struct Error {
    std::string source; // file name (or "<text>"); empty when not about an input file
    std::string place;  // where in the source: JSON pointer, line, step and field
    std::string reason;

    std::string message() const {
        std::string out = source;
        if (!place.empty()) out += (out.empty() ? "" : ": ") + place;
        if (!reason.empty()) out += (out.empty() ? "" : ": ") + reason;
        return out;
    }
};

// The project's one value-or-error type with the chaos layer's located error.
template <typename T>
using Result = dita::Result<T, Error>;

} // namespace dita::chaos
