#include <gtest/gtest.h>

#include <limits>

#include "dita/venues/mock/mock_venue.hpp"

namespace dita {
namespace {

class Collect final : public EventSink {
public:
    void deliver(const VenueEvent& event) override { events.push_back(event); }
    std::vector<VenueEvent> events;
};

OrderRequest request(const char* id, const char* qty, OrderPurpose purpose = OrderPurpose::ENTRY) {
    OrderRequest r;
    r.client_order_id = Id(id);
    r.asset = AssetName("BTCUSDT");
    r.side = TradeSide::LONG;
    r.purpose = purpose;
    r.qty = *Decimal::parse(qty);
    r.reference_price = *Decimal::parse("100");
    return r;
}

TEST(MockVenue, MarketOrderFillsAtReferencePriceWithTakerFee) {
    MockVenueAdapter venue;
    EXPECT_EQ(venue.submit_order(request("a", "0.01")).status, VenueCallStatus::ACCEPTED);
    Collect sink;
    venue.drain_events(sink);
    ASSERT_EQ(sink.events.size(), 2u);
    EXPECT_EQ(sink.events[0].kind, KernelEventKind::ORDER_ACK);
    EXPECT_EQ(sink.events[1].kind, KernelEventKind::FILL);
    EXPECT_EQ(sink.events[1].cum_filled_qty, *Decimal::parse("0.01"));
    EXPECT_EQ(sink.events[1].avg_fill_price, *Decimal::parse("100"));
    EXPECT_EQ(sink.events[1].cum_fee, *Decimal::parse("0.0005"));
    EXPECT_LT(sink.events[0].venue_sequence, sink.events[1].venue_sequence);
    EXPECT_EQ(venue.positions("BTCUSDT").value.at(0).size, *Decimal::parse("0.01"));
}

TEST(MockVenue, ExitsOnlyReduceThePositionAsBingXsReduceOnlyOrders) {
    MockVenueAdapter venue;
    Collect sink;
    // Nothing to reduce: rejected.
    venue.submit_order(request("x0", "0.01", OrderPurpose::EXIT));
    venue.drain_events(sink);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].kind, KernelEventKind::ORDER_REJECT);
    EXPECT_TRUE(venue.positions("BTCUSDT").value.empty());
    // Larger than the position: what is there fills, the venue cancels the rest.
    venue.submit_order(request("e", "0.004"));
    venue.submit_order(request("x1", "0.01", OrderPurpose::EXIT));
    const auto exit = venue.query_order("BTCUSDT", "x1").value;
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->cum_filled_qty, *Decimal::parse("0.004"));
    EXPECT_EQ(exit->status, VenueOrderStatus::CANCELED);
    EXPECT_TRUE(venue.positions("BTCUSDT").value.empty());
    // Without the flag an exit flips the position, as a plain order would.
    MockVenueAdapter loose(MockVenueScenario{.reduce_only_exits = false});
    loose.submit_order(request("e", "0.004"));
    loose.submit_order(request("x", "0.01", OrderPurpose::EXIT));
    ASSERT_EQ(loose.positions("BTCUSDT").value.size(), 1u);
    EXPECT_EQ(loose.positions("BTCUSDT").value[0].side, TradeSide::SHORT);
    EXPECT_EQ(loose.positions("BTCUSDT").value[0].size, *Decimal::parse("0.006"));
}

TEST(MockVenue, PartialFillLeavesTheRestWorkingUntilCanceled) {
    MockVenueAdapter venue(MockVenueScenario{.partial_fill_ratio = 0.5});
    venue.submit_order(request("a", "0.011"));
    EXPECT_EQ(venue.open_orders("BTCUSDT").value.size(), 1u);
    EXPECT_EQ(venue.query_order("BTCUSDT", "a").value->cum_filled_qty, *Decimal::parse("0.005"));
    EXPECT_EQ(venue.cancel_order(CancelRequest{.client_order_id = Id("a")}).status, VenueCallStatus::ACCEPTED);
    EXPECT_TRUE(venue.open_orders("BTCUSDT").value.empty());
    EXPECT_EQ(venue.cancel_order(CancelRequest{.client_order_id = Id("a")}).status, VenueCallStatus::REJECTED);
    EXPECT_EQ(venue.cancel_order(CancelRequest{.client_order_id = Id("zzz")}).status, VenueCallStatus::REJECTED);
}

TEST(MockVenue, KnobsRejectAndRefuse) {
    MockVenueAdapter venue(MockVenueScenario{.reject_entries = true, .reject_exits = true, .cancel_reject = true});
    venue.submit_order(request("a", "0.01"));
    venue.submit_order(request("b", "0.01", OrderPurpose::EXIT));
    Collect sink;
    venue.drain_events(sink);
    ASSERT_EQ(sink.events.size(), 2u);
    EXPECT_EQ(sink.events[0].kind, KernelEventKind::ORDER_REJECT);
    EXPECT_EQ(sink.events[1].kind, KernelEventKind::ORDER_REJECT);
    EXPECT_EQ(venue.cancel_order(CancelRequest{.client_order_id = Id("a")}).status, VenueCallStatus::REJECTED);
    EXPECT_EQ(venue.counters().orders_rejected, 2u);
}

TEST(MockVenue, DuplicateClientOrderIdAndOffLotAreRefused) {
    MockVenueAdapter venue;
    venue.submit_order(request("a", "0.01"));
    EXPECT_EQ(venue.submit_order(request("a", "0.01")).status, VenueCallStatus::REJECTED);
    venue.submit_order(request("b", "0.0015"));
    EXPECT_EQ(venue.query_order("BTCUSDT", "b").value->status, VenueOrderStatus::REJECTED);
}

TEST(MockVenue, ScenarioOutOfRangeIsRefusedAtConstruction) {
    EXPECT_THROW(MockVenueAdapter(MockVenueScenario{.partial_fill_ratio = std::numeric_limits<double>::quiet_NaN()}),
                 std::invalid_argument);
    EXPECT_THROW(MockVenueAdapter(MockVenueScenario{.partial_fill_ratio = 1.5}), std::invalid_argument);
    EXPECT_THROW(MockVenueAdapter(MockVenueScenario{.lot_step = 0.0}), std::invalid_argument);
    EXPECT_THROW(MockVenueAdapter(MockVenueScenario{.taker_fee_rate = -0.1}), std::invalid_argument);
}

TEST(MockVenue, UnknownAssetHasNoInstrument) {
    MockVenueAdapter venue;
    EXPECT_TRUE(venue.instrument("BTCUSDT"));
    EXPECT_FALSE(venue.instrument("ETHUSDT"));
}

} // namespace
} // namespace dita
