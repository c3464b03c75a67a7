#pragma once
// One "value or error" type for the whole code base: readers, parsers, venue calls and
// factories return a Result instead of throwing or filling output parameters.
//
// The error type is a parameter because the layers say different things about a failure
// (a JSON pointer and a reason, a venue's code and message, a file and a place), but the
// shape, the names and the checks are the same everywhere.
#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace dita {

// The plain error: a machine-readable code (stable, for programs) and a detail (for people).
struct Error {
    std::string code;
    std::string detail;
};

template <typename T, typename E = Error>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {} // NOLINT: implicit by design, like std::expected
    Result(E error) : error_(std::move(error)) {} // NOLINT

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { assert(ok()); return *value_; }
    T& value() & { assert(ok()); return *value_; }
    T&& value() && { assert(ok()); return std::move(*value_); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    const E& error() const& { assert(!ok()); return *error_; }
    E&& error() && { assert(!ok()); return std::move(*error_); }

private:
    std::optional<T> value_;
    std::optional<E> error_;
};

} // namespace dita
