#include "dita/contracts/decimal.hpp"

#include <charconv>
#include <cmath>

namespace dita {

namespace {

// GCC/Clang extension, named once so -Wpedantic stays on everywhere else.
__extension__ typedef __int128 int128;

std::int64_t round_div(int128 num, int128 den) {
    DITA_ASSERT(den != 0);
    if (den < 0) {
        num = -num;
        den = -den;
    }
    // Most products and quotients fit in 64 bits: the same rounding without a 128-bit division.
    if (num >= -INT64_MAX && num <= INT64_MAX && den <= INT64_MAX) {
        const auto n = static_cast<std::int64_t>(num);
        const auto d = static_cast<std::int64_t>(den);
        std::int64_t q = n / d;
        std::int64_t r = n % d;
        if (r < 0) r = -r;
        if (r >= d - r) q += (n < 0) ? -1 : 1; // 2r >= d without overflow
        return q;
    }
    int128 q = num / den;
    int128 r = num % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += (num < 0) ? -1 : 1;
    DITA_ASSERT(q <= INT64_MAX && q >= INT64_MIN);
    return static_cast<std::int64_t>(q);
}

std::int64_t round_half_away(double scaled) {
    // std::llround's rounding (half away from zero) without its library call: every intent's
    // price, size and leverage come through here. The conversion truncates; the remainder is
    // exact (below 2^53 both numbers are within a factor two of each other or the whole part
    // is zero; above it every double is a whole number and the remainder is zero).
    DITA_ASSERT(std::fabs(scaled) <= static_cast<double>(Decimal::raw_abs_max));
    const auto whole = static_cast<std::int64_t>(scaled);
    const double remainder = scaled - static_cast<double>(whole);
    if (remainder >= 0.5) return whole + 1;
    if (remainder <= -0.5) return whole - 1;
    return whole;
}

} // namespace

std::optional<Decimal> Decimal::from_double(double value) {
    if (!std::isfinite(value)) return std::nullopt;
    const double scaled = value * static_cast<double>(scale);
    if (std::fabs(scaled) > static_cast<double>(raw_abs_max)) return std::nullopt;
    return Decimal(round_half_away(scaled));
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
    if (text.empty()) return std::nullopt;
    bool negative = false;
    std::size_t i = 0;
    if (text[0] == '-' || text[0] == '+') {
        negative = text[0] == '-';
        i = 1;
    }
    int128 whole = 0;
    std::int64_t frac = 0;
    int frac_digits = 0;
    bool seen_digit = false;
    bool in_frac = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            if (in_frac) return std::nullopt;
            in_frac = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        seen_digit = true;
        if (in_frac) {
            if (frac_digits == decimals) return std::nullopt;
            frac = frac * 10 + (c - '0');
            ++frac_digits;
        } else {
            whole = whole * 10 + (c - '0');
            if (whole * scale > raw_abs_max) return std::nullopt;
        }
    }
    if (!seen_digit) return std::nullopt;
    for (int d = frac_digits; d < decimals; ++d) frac *= 10;
    const auto raw = static_cast<std::int64_t>(whole * scale + frac);
    return Decimal(negative ? -raw : raw);
}

void Decimal::append_to(std::string& out) const {
    const bool negative = raw_ < 0;
    const auto magnitude = static_cast<std::uint64_t>(negative ? -static_cast<int128>(raw_) : raw_);
    char buffer[32];
    char* end = std::to_chars(buffer, buffer + sizeof buffer, magnitude / scale).ptr;
    if (negative) out += '-';
    out.append(buffer, end);
    out += '.';
    std::uint64_t frac = magnitude % static_cast<std::uint64_t>(scale);
    char digits[decimals];
    for (int i = decimals - 1; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + frac % 10);
        frac /= 10;
    }
    int kept = decimals;
    while (kept > 1 && digits[kept - 1] == '0') --kept;
    out.append(digits, static_cast<std::size_t>(kept));
}

std::string Decimal::to_string() const {
    std::string out;
    append_to(out);
    return out;
}

Decimal Decimal::mul_wide(Decimal other) const {
    // A whole factor (a size of whole lots, a price of whole units): raw * (k * scale) / scale
    // is raw * k exactly, with no 128-bit division, when that fits.
    std::int64_t product = 0;
    if (other.raw_ % scale == 0 && !__builtin_mul_overflow(raw_, other.raw_ / scale, &product)) return Decimal(product);
    if (raw_ % scale == 0 && !__builtin_mul_overflow(raw_ / scale, other.raw_, &product)) return Decimal(product);
    return Decimal(round_div(static_cast<int128>(raw_) * other.raw_, scale));
}

Decimal Decimal::div_wide(Decimal other) const {
    DITA_ASSERT(other.raw_ != 0);
    // A whole divisor (leverage 1, 2, 10...): raw * scale / (k * scale) is the quotient raw / k,
    // rounded the same way.
    if (other.raw_ > 0 && other.raw_ % scale == 0) return Decimal(round_div64(raw_, other.raw_ / scale));
    return Decimal(round_div(static_cast<int128>(raw_) * scale, other.raw_));
}

Decimal Decimal::mul_div(Decimal num, Decimal den) const {
    DITA_ASSERT(den.raw_ != 0);
    return Decimal(round_div(static_cast<int128>(raw_) * num.raw_, den.raw_));
}

Decimal Decimal::floor_to(Decimal step) const {
    DITA_ASSERT(step.raw_ > 0);
    return Decimal(raw_ - raw_ % step.raw_);
}

} // namespace dita
