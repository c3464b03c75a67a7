#include <gtest/gtest.h>

#include "dita/contracts/enums.hpp"

namespace dita {
namespace {

template <typename E>
void expect_round_trip() {
    for (const E value : enum_values<E>()) {
        const auto name = to_string(value);
        ASSERT_NE(name, "?");
        const auto back = enum_from_string<E>(name);
        ASSERT_TRUE(back.has_value()) << name;
        EXPECT_EQ(*back, value) << name;
    }
    EXPECT_FALSE(enum_from_string<E>("NOT_A_MEMBER").has_value());
    EXPECT_FALSE(enum_from_string<E>("").has_value());
}

TEST(Enums, EveryEnumRoundTripsThroughItsName) {
    expect_round_trip<TradeSide>();
    expect_round_trip<KernelCommandType>();
    expect_round_trip<TradeStage>();
    expect_round_trip<KernelDiagnosticCode>();
    expect_round_trip<KernelSeverity>();
    expect_round_trip<KernelEventKind>();
    expect_round_trip<VenueOrderStatus>();
    expect_round_trip<VenueEventStatus>();
    expect_round_trip<KernelMode>();
    expect_round_trip<KernelVerbosity>();
    expect_round_trip<FsmInput>();
}

TEST(Enums, SpecNamesAndCounts) {
    EXPECT_EQ(enum_count<TradeStage>(), 21u);
    EXPECT_EQ(to_string(TradeStage::STALE_STATE_RECONCILING), "STALE_STATE_RECONCILING");
    EXPECT_EQ(to_string(KernelDiagnosticCode::INVALID_SLOT_ID), "INVALID_SLOT_ID");
    for (const char* name : {"OK", "ORDER_REJECTED", "INVALID_SLOT_ID", "UNSUPPORTED_INTENT", "UNKNOWN_EVENT_KIND",
                             "INVALID_TRANSITION", "TERMINAL_STATE", "INVALID_SIZE", "INVALID_PRICE",
                             "INVALID_LEVERAGE", "INVALID_LEG_RATIOS", "SLOT_BUSY", "NOTHING_TO_CANCEL",
                             "CANCEL_REJECTED", "UNKNOWN_ORDER", "DUPLICATE_EVENT", "STALE_EVENT", "RISK_LIMIT",
                             "KERNEL_HALTED", "RECONCILED"}) {
        EXPECT_TRUE(enum_from_string<KernelDiagnosticCode>(name).has_value()) << name;
    }
    EXPECT_EQ(to_string(static_cast<TradeSide>(77)), "?");
}

} // namespace
} // namespace dita

#include "dita/contracts/fixed_string.hpp"

namespace dita {
namespace {

TEST(FixedString, OrdersLikeItsText) {
    const char* words[] = {"", "a", "ab", "abc", "abcdefgh", "abcdefghi", "abcdefgi", "b", "chaos-1-enter",
                           "chaos-10-enter", "chaos-2-exit", "x"};
    for (const char* a : words) {
        for (const char* b : words) {
            const Id ia(a);
            const Id ib(b);
            EXPECT_EQ(ia <=> ib, std::string_view(a) <=> std::string_view(b)) << a << " vs " << b;
            EXPECT_EQ(ia == ib, std::string_view(a) == std::string_view(b));
        }
    }
    Id reused("abcdefghijkl");
    reused.assign("ab");
    EXPECT_EQ(reused, Id("ab"));
    EXPECT_EQ(reused <=> Id("ab"), std::strong_ordering::equal);
}

} // namespace
} // namespace dita
