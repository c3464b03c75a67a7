#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "dita/contracts/decimal.hpp"

namespace dita {
namespace {

TEST(Decimal, FromDoubleRoundsToEightPlacesAndAbsorbsBinaryNoise) {
    EXPECT_EQ(Decimal::from_double(0.001)->raw(), 100'000);
    EXPECT_EQ(Decimal::from_double(0.1 + 0.2)->raw(), 30'000'000);
    EXPECT_EQ(Decimal::from_double(-1.5)->raw(), -150'000'000);
}

// from_double rounds as std::llround does (half away from zero) without calling it: the same
// raw value for exact halves, their neighbours, numbers past 2^52 (whole doubles) and near
// the bound, on both sides of zero, and for arbitrary doubles in range.
TEST(Decimal, FromDoubleRoundsAsLlroundDoes) {
    const auto expect_llround = [](double value) {
        const double scaled = value * static_cast<double>(Decimal::scale);
        const auto got = Decimal::from_double(value);
        if (std::fabs(scaled) > static_cast<double>(Decimal::raw_abs_max)) {
            EXPECT_FALSE(got) << value;
            return;
        }
        ASSERT_TRUE(got) << value;
        EXPECT_EQ(got->raw(), std::llround(scaled)) << value;
    };
    for (const double half : {0.5, 1.5, 2.5, 1e6 + 0.5, 4503599627370495.5}) {
        for (const double sign : {1.0, -1.0}) {
            const double scaled = sign * half;
            expect_llround(scaled / static_cast<double>(Decimal::scale));
            expect_llround(std::nextafter(scaled, 0.0) / static_cast<double>(Decimal::scale));
            expect_llround(std::nextafter(scaled, sign * 1e300) / static_cast<double>(Decimal::scale));
        }
    }
    for (const double value : {0.0, -0.0, 1e-9, 4e-9, 5e-9, 6e-9, -5e-9, 0.3, 99999.999999995, 4503599627.3704955,
                               9007199254.740993, 9.999999999e9, -9.999999999e9, 1e10, -1e10}) {
        expect_llround(value);
    }
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200'000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        // Magnitudes from 1e-10 to 1e10 units, uniform in the exponent.
        const double exponent = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53) * 20.0 - 10.0;
        const double value = ((state & 1) != 0 ? -1.0 : 1.0) * std::pow(10.0, exponent);
        expect_llround(value);
    }
}

TEST(Decimal, FromDoubleRefusesNonFiniteAndHuge) {
    EXPECT_FALSE(Decimal::from_double(std::numeric_limits<double>::quiet_NaN()));
    EXPECT_FALSE(Decimal::from_double(std::numeric_limits<double>::infinity()));
    EXPECT_FALSE(Decimal::from_double(-std::numeric_limits<double>::infinity()));
    EXPECT_FALSE(Decimal::from_double(1e12));
    EXPECT_TRUE(Decimal::from_double(9e9));
}

TEST(Decimal, ParseIsExactAndStrict) {
    EXPECT_EQ(Decimal::parse("67123.45")->raw(), 6'712'345'000'000);
    EXPECT_EQ(Decimal::parse("-0.001")->raw(), -100'000);
    EXPECT_EQ(Decimal::parse("5")->raw(), 500'000'000);
    EXPECT_FALSE(Decimal::parse(""));
    EXPECT_FALSE(Decimal::parse("."));
    EXPECT_FALSE(Decimal::parse("1.2.3"));
    EXPECT_FALSE(Decimal::parse("1e5"));
    EXPECT_FALSE(Decimal::parse("0.123456789")); // more than 8 places is not exact
    EXPECT_FALSE(Decimal::parse("99999999999999"));
}

TEST(Decimal, ToStringIsCanonical) {
    EXPECT_EQ(Decimal::parse("0.0010")->to_string(), "0.001");
    EXPECT_EQ(Decimal::parse("-12")->to_string(), "-12.0");
    EXPECT_EQ(Decimal().to_string(), "0.0");
    EXPECT_EQ(Decimal::from_raw(1).to_string(), "0.00000001");
}

TEST(Decimal, MulDivRoundHalfAwayFromZero) {
    const Decimal price = *Decimal::parse("67123.4");
    const Decimal size = *Decimal::parse("0.001");
    EXPECT_EQ(price.mul(size).to_string(), "67.1234");
    EXPECT_EQ(price.mul(size).mul(*Decimal::parse("0.0005")).to_string(), "0.0335617");
    EXPECT_EQ(Decimal::from_units(1).div(Decimal::from_units(3)).raw(), 33'333'333);
    EXPECT_EQ(Decimal::from_units(2).div(Decimal::from_units(3)).raw(), 66'666'667);
    EXPECT_EQ((-Decimal::from_units(2)).div(Decimal::from_units(3)).raw(), -66'666'667);
}

TEST(Decimal, MulDivKeepsTheIntermediateExact) {
    const Decimal notional = *Decimal::parse("98740.06275");
    // A pro-rata share whose plain mul would leave int64 range.
    EXPECT_EQ(notional.mul_div(*Decimal::parse("0.003"), *Decimal::parse("0.006")).to_string(), "49370.031375");
    EXPECT_EQ(Decimal::from_units(1).mul_div(Decimal::from_units(1), Decimal::from_units(3)).raw(), 33'333'333);
}

TEST(Decimal, LotStepArithmeticNeverDrifts) {
    const Decimal lot = *Decimal::parse("0.001");
    Decimal total;
    for (int i = 0; i < 1000; ++i) total += lot;
    EXPECT_EQ(total, Decimal::from_units(1));
    EXPECT_TRUE(total.is_multiple_of(lot));
    EXPECT_FALSE(Decimal::parse("0.0015")->is_multiple_of(lot));
    EXPECT_EQ(Decimal::parse("0.0159")->floor_to(lot).to_string(), "0.015");
}

RC_GTEST_PROP(DecimalProperty, ParseRoundTripsToString, (std::int64_t raw)) {
    const Decimal value = Decimal::from_raw(raw % Decimal::raw_abs_max);
    const auto back = Decimal::parse(value.to_string());
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == value);
}

RC_GTEST_PROP(DecimalProperty, AdditionIsExactOnLots, (unsigned a, unsigned b)) {
    const Decimal lot = Decimal::from_raw(100'000);
    const Decimal x = Decimal::from_raw(100'000LL * (a % 100000));
    const Decimal y = Decimal::from_raw(100'000LL * (b % 100000));
    RC_ASSERT((x + y - y) == x);
    RC_ASSERT((x + y).is_multiple_of(lot));
}

} // namespace

namespace {

// The rounding mul and div promise, computed in 128 bits: half away from zero.
__extension__ typedef __int128 wide_int;
wide_int reference_round_div(wide_int num, wide_int den) {
    if (den < 0) {
        num = -num;
        den = -den;
    }
    wide_int q = num / den;
    wide_int r = num % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += num < 0 ? -1 : 1;
    return q;
}

} // namespace

// mul and div take a 64-bit path when the intermediate fits and a 128-bit one when it does not:
// both must round exactly as the 128-bit reference, at the edges of the 64-bit path too.
RC_GTEST_PROP(DecimalProperty, MulAndDivRoundAsTheWideReference, ()) {
    const auto magnitude = *rc::gen::element<std::int64_t>(1, 1'000, 100'000'000, 92'233'720'368, 3'037'000'499LL,
                                                           1'000'000'000'000'000'000LL);
    const std::int64_t a = *rc::gen::inRange<std::int64_t>(-magnitude, magnitude);
    const std::int64_t b = *rc::gen::inRange<std::int64_t>(-magnitude, magnitude);
    const wide_int product = static_cast<wide_int>(a) * b;
    const wide_int product_rounded = reference_round_div(product, Decimal::scale);
    if (product_rounded <= INT64_MAX && product_rounded >= INT64_MIN) {
        RC_ASSERT(Decimal::from_raw(a).mul(Decimal::from_raw(b)).raw() == static_cast<std::int64_t>(product_rounded));
    }
    RC_PRE(b != 0);
    const wide_int quotient = reference_round_div(static_cast<wide_int>(a) * Decimal::scale, b);
    if (quotient <= INT64_MAX && quotient >= INT64_MIN) {
        RC_ASSERT(Decimal::from_raw(a).div(Decimal::from_raw(b)).raw() == static_cast<std::int64_t>(quotient));
    }
}

// The wide path's shortcut for whole factors and divisors (a size of whole lots, leverage 10):
// the same results as the 128-bit reference, where the intermediate overflows 64 bits.
RC_GTEST_PROP(DecimalProperty, WholeFactorsAndDivisorsRoundAsTheWideReference, ()) {
    const std::int64_t a = *rc::gen::inRange<std::int64_t>(-1'000'000'000'000'000'000LL, 1'000'000'000'000'000'000LL);
    const std::int64_t units = *rc::gen::inRange<std::int64_t>(-100'000, 100'000);
    RC_PRE(units != 0);
    const std::int64_t whole = units * Decimal::scale;
    for (const auto& [x, y] : {std::pair{a, whole}, std::pair{whole, a}}) {
        const wide_int product_rounded = reference_round_div(static_cast<wide_int>(x) * y, Decimal::scale);
        if (product_rounded <= INT64_MAX && product_rounded >= INT64_MIN) {
            RC_ASSERT(Decimal::from_raw(x).mul(Decimal::from_raw(y)).raw() == static_cast<std::int64_t>(product_rounded));
        }
    }
    const wide_int quotient = reference_round_div(static_cast<wide_int>(a) * Decimal::scale, whole);
    RC_ASSERT(Decimal::from_raw(a).div(Decimal::from_raw(whole)).raw() == static_cast<std::int64_t>(quotient));
}

TEST(Decimal, MulAndDivRoundHalvesAwayFromZeroOnBothPaths) {
    // 0.5e-8 exactly: away from zero, on the 64-bit path and on the wide one.
    EXPECT_EQ(Decimal::from_raw(1).mul(Decimal::from_raw(50'000'000)).raw(), 1);
    EXPECT_EQ(Decimal::from_raw(-1).mul(Decimal::from_raw(50'000'000)).raw(), -1);
    EXPECT_EQ(Decimal::from_raw(1).div(Decimal::from_raw(-200'000'000)).raw(), -1);
    const Decimal big = Decimal::from_raw(INT64_MAX / 3);
    EXPECT_EQ(big.mul(Decimal::from_raw(150'000'000)).raw(), static_cast<std::int64_t>(reference_round_div(static_cast<wide_int>(INT64_MAX / 3) * 150'000'000, Decimal::scale)));
    EXPECT_EQ(big.div(Decimal::from_raw(300'000'000)).raw(), static_cast<std::int64_t>(reference_round_div(static_cast<wide_int>(INT64_MAX / 3) * Decimal::scale, 300'000'000)));
}

} // namespace dita
