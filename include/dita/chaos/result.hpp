#pragma once
// Errors as values for the chaos layer: a value or a located error, never an exception.
#include <optional>
#include <string>
#include <utility>

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

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {} // NOLINT: implicit by design
    Result(Error error) : error_(std::move(error)) {} // NOLINT
    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    const Error& error() const { return error_; }

private:
    std::optional<T> value_;
    Error error_;
};

} // namespace dita::chaos
