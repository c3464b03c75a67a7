#pragma once
// Fixed-point decimal for prices, sizes and money: a signed 64-bit count of 1e-8 units.
// Floating point is accepted only at the API boundary (from_double / to_double).
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dita/contracts/assert.hpp"

namespace dita {

class Decimal {
public:
    static constexpr int decimals = 8;
    static constexpr std::int64_t scale = 100'000'000;
    // Largest magnitude accepted from the boundary: ~9.2e10 fits, leave headroom for sums.
    static constexpr std::int64_t raw_abs_max = 1'000'000'000'000'000'000LL; // 1e10 units

    constexpr Decimal() = default;
    static constexpr Decimal from_raw(std::int64_t raw) { return Decimal(raw); }
    static constexpr Decimal from_units(std::int64_t units) { return Decimal(units * scale); }

    // Nearest 1e-8 (half away from zero); nullopt for NaN, inf or out of range.
    static std::optional<Decimal> from_double(double value);
    // Exact parse of "[-]digits[.digits]" with at most 8 fractional digits.
    static std::optional<Decimal> parse(std::string_view text);

    constexpr std::int64_t raw() const { return raw_; }
    double to_double() const { return static_cast<double>(raw_) / static_cast<double>(scale); }
    // Canonical text: no exponent, trailing zeros trimmed, at least one fractional digit.
    std::string to_string() const;
    // Appends the same text as to_string, without a temporary string.
    void append_to(std::string& out) const;

    constexpr bool is_zero() const { return raw_ == 0; }
    constexpr bool is_positive() const { return raw_ > 0; }
    constexpr bool is_negative() const { return raw_ < 0; }
    constexpr Decimal abs() const { return Decimal(raw_ < 0 ? -raw_ : raw_); }

    constexpr Decimal operator-() const { return Decimal(-raw_); }
    Decimal operator+(Decimal other) const {
        std::int64_t out = 0;
        DITA_ASSERT(!__builtin_add_overflow(raw_, other.raw_, &out));
        return Decimal(out);
    }
    Decimal operator-(Decimal other) const {
        std::int64_t out = 0;
        DITA_ASSERT(!__builtin_sub_overflow(raw_, other.raw_, &out));
        return Decimal(out);
    }
    Decimal& operator+=(Decimal other) { return *this = *this + other; }
    Decimal& operator-=(Decimal other) { return *this = *this - other; }

    // Product rounded half away from zero to 1e-8.
    Decimal mul(Decimal other) const;
    // Quotient rounded half away from zero; divisor must not be zero.
    Decimal div(Decimal other) const;
    // this * num / den with an exact 128-bit intermediate (a pro-rata share), rounded.
    Decimal mul_div(Decimal num, Decimal den) const;
    // Largest multiple of step not above |this|, sign kept; step must be positive.
    Decimal floor_to(Decimal step) const;
    bool is_multiple_of(Decimal step) const { return step.raw_ > 0 && raw_ % step.raw_ == 0; }

    friend constexpr auto operator<=>(Decimal, Decimal) = default;
    friend constexpr bool operator==(Decimal, Decimal) = default;

private:
    constexpr explicit Decimal(std::int64_t raw) : raw_(raw) {}
    // q = num / den rounded half away from zero, for den > 0 (both in 64 bits).
    static constexpr std::int64_t round_div64(std::int64_t num, std::int64_t den) {
        std::int64_t q = num / den;
        std::int64_t r = num % den;
        if (r < 0) r = -r;
        if (r >= den - r) q += (num < 0) ? -1 : 1; // 2r >= den without overflow
        return q;
    }
    // The same with a 128-bit intermediate, when the 64-bit one would overflow.
    Decimal mul_wide(Decimal other) const;
    Decimal div_wide(Decimal other) const;
    std::int64_t raw_ = 0;
};

// Inline: on the fill path the product nearly always fits in 64 bits, and the division by the
// constant scale then compiles to a multiplication.
inline Decimal Decimal::mul(Decimal other) const {
    std::int64_t product = 0;
    if (!__builtin_mul_overflow(raw_, other.raw_, &product)) return Decimal(round_div64(product, scale));
    return mul_wide(other);
}

inline Decimal Decimal::div(Decimal other) const {
    DITA_ASSERT(other.raw_ != 0);
    std::int64_t scaled = 0;
    if (other.raw_ > 0 && !__builtin_mul_overflow(raw_, scale, &scaled)) return Decimal(round_div64(scaled, other.raw_));
    return div_wide(other);
}

inline Decimal min(Decimal a, Decimal b) { return a < b ? a : b; }
inline Decimal max(Decimal a, Decimal b) { return a < b ? b : a; }

} // namespace dita
