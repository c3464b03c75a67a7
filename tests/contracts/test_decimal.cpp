#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>

#include "dita/contracts/decimal.hpp"

namespace dita {
namespace {

TEST(Decimal, FromDoubleRoundsToEightPlacesAndAbsorbsBinaryNoise) {
    EXPECT_EQ(Decimal::from_double(0.001)->raw(), 100'000);
    EXPECT_EQ(Decimal::from_double(0.1 + 0.2)->raw(), 30'000'000);
    EXPECT_EQ(Decimal::from_double(-1.5)->raw(), -150'000'000);
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
} // namespace dita
