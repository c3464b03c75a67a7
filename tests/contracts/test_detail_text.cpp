// DetailText: the text formatted on demand is the text concatenating the pieces gives.
#include <gtest/gtest.h>

#include <string>

#include "dita/contracts/detail_text.hpp"

namespace dita {
namespace {

TEST(DetailText, PiecesFormatLikeTheirConcatenation) {
    const Id order("bench-x1");
    const AssetName asset("BTCUSDT");
    const DetailText text = DetailText::of(KernelEventKind::PARTIAL_FILL, " ", order, ": filled ",
                                           Decimal::from_raw(123'450'000), "/", Decimal::from_units(-2), " ",
                                           VenueOrderStatus::PARTIALLY_FILLED);
    const std::string expected = std::string(to_string(KernelEventKind::PARTIAL_FILL)) + " bench-x1: filled " +
                                 Decimal::from_raw(123'450'000).to_string() + "/" + Decimal::from_units(-2).to_string() +
                                 " " + std::string(to_string(VenueOrderStatus::PARTIALLY_FILLED));
    EXPECT_EQ(text.str(), expected);
    EXPECT_EQ(text.str(), "PARTIAL_FILL bench-x1: filled 1.2345/-2.0 PARTIALLY_FILLED");
    EXPECT_EQ(DetailText::of("slot ", -3, " of ", std::uint64_t{18'446'744'073'709'551'615ULL}, " ", asset).str(),
              "slot -3 of 18446744073709551615 BTCUSDT");
    EXPECT_FALSE(text.empty());
}

TEST(DetailText, KeepsItsPiecesWhenTheSourcesChange) {
    Id order("first");
    const DetailText text = DetailText::of("cancel of ", order, " requested");
    order = Id("second");
    EXPECT_EQ(text.str(), "cancel of first requested");
    const DetailText copy = text;
    EXPECT_EQ(copy, text);
    EXPECT_EQ(copy, "cancel of first requested");
}

TEST(DetailText, FinishedTextAndLiterals) {
    EXPECT_EQ(DetailText(std::string("made up")).str(), "made up");
    EXPECT_EQ(DetailText("no change").str(), "no change");
    EXPECT_TRUE(DetailText().empty());
    EXPECT_TRUE(DetailText(std::string()).empty());
    EXPECT_TRUE(DetailText::of("", Id()).empty());
    EXPECT_EQ("x: " + DetailText("no change"), "x: no change");
    EXPECT_NE(DetailText("no change").find("change"), std::string::npos);
}

} // namespace
} // namespace dita
