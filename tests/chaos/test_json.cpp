// JSON views of the contract types: SPEC 6 dict keys, exact round trips, located errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dita/contracts/json.hpp"

namespace dita {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

Decimal dec(const char* text) { return *Decimal::parse(text); }

std::vector<std::string> keys_of(const Json& object) {
    std::vector<std::string> out;
    for (const auto& [key, value] : object.items()) out.push_back(key);
    return out;
}

VenueEvent sample_event() {
    VenueEvent event;
    event.kind = KernelEventKind::PARTIAL_FILL;
    event.status = VenueEventStatus::PARTIALLY_FILLED;
    event.venue_order_id = Id("m7");
    event.client_order_id = Id("chaos-1-enter");
    event.slot_id = 1;
    event.trade_id = Id("chaos-trade-1");
    event.side = TradeSide::SHORT;
    event.asset = AssetName("BTCUSDT");
    event.order_qty = dec("0.01");
    event.cum_filled_qty = dec("0.005");
    event.avg_fill_price = dec("67012.12345678");
    event.cum_fee = dec("0.00000001");
    event.venue_sequence = 18'446'744'073'709'551'615ULL;
    event.timestamp_ns = 1'700'000'000'123'456'789;
    return event;
}

TEST(ContractsJson, SlotDictHasTheSpecKeys) {
    TradeSlot slot;
    slot.trade_id = Id("t1");
    slot.size = dec("0.005");
    slot.exit_legs.ratios[0] = dec("0.5");
    slot.exit_legs.ratios[1] = dec("1");
    slot.exit_legs.count = 2;
    const Json dict = slot_to_dict(slot);
    EXPECT_THAT(keys_of(dict), ElementsAre("fsm_state", "trade_id", "side", "size", "target_size", "entry_price",
                                           "realized_pnl", "fees", "closed", "active_leg_index", "exit_leg_ratios",
                                           "working_order_id"));
    EXPECT_EQ(dict["fsm_state"], "IDLE");
    EXPECT_EQ(dict["trade_id"], "t1");
    EXPECT_TRUE(dict["size"].is_number_float());
    EXPECT_DOUBLE_EQ(dict["size"].get<double>(), 0.005);
    EXPECT_EQ(dict["exit_leg_ratios"], Json::array({0.5, 1.0}));
    EXPECT_TRUE(dict["working_order_id"].is_null());
}

TEST(ContractsJson, AccountDictHasTheSpecKeys) {
    AccountSnapshot account;
    account.capital = dec("9999.999");
    const Json dict = account_to_dict(account);
    EXPECT_THAT(keys_of(dict), ElementsAre("initial_capital", "capital", "equity", "realized_pnl", "fees_paid",
                                           "unrealized_pnl", "used_margin", "funding"));
    EXPECT_DOUBLE_EQ(dict["capital"].get<double>(), 9999.999);
}

// The exact form carries funding too, so the money identity (capital == initial + realized -
// fees + funding) can be checked from the JSON alone, and reads back to the same snapshot.
TEST(ContractsJson, AccountJsonRoundTripsExactlyWithFunding) {
    AccountSnapshot account;
    account.initial_capital = dec("10000");
    account.realized_pnl = dec("12.5");
    account.fees_paid = dec("0.25");
    account.funding = dec("-0.00000003");
    account.capital = account.initial_capital + account.realized_pnl - account.fees_paid + account.funding;
    const Json json = account_to_json(account);
    EXPECT_EQ(json["funding"], "-0.00000003");
    EXPECT_EQ(json["capital"], "10012.24999997");
    const auto back = account_from_json(Json::parse(json.dump()));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), account);
    EXPECT_FALSE(account_from_json(Json::parse(R"({"funding": 0.1})")).ok()); // money is exact text only
}

TEST(ContractsJson, EventRoundTripsExactly) {
    const VenueEvent event = sample_event();
    const Json json = event_to_json(event);
    EXPECT_EQ(json["avg_fill_price"], "67012.12345678"); // exact decimal strings
    EXPECT_EQ(json["cum_fee"], "0.00000001");
    const auto back = event_from_json(Json::parse(json.dump()));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), event);
}

TEST(ContractsJson, EventErrorsNameTheFieldAndTheReason) {
    Json json = event_to_json(sample_event());
    json["cum_filled_qty"] = 0.005;
    auto parsed = event_from_json(json, "/events/3");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().pointer, "/events/3/cum_filled_qty");
    EXPECT_THAT(parsed.error().reason, HasSubstr("exact decimal string"));

    json = event_to_json(sample_event());
    json["kind"] = "FILLED";
    parsed = event_from_json(json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().pointer, "/kind");
    EXPECT_THAT(parsed.error().reason, HasSubstr("expected one of ORDER_ACK|PARTIAL_FILL|FILL"));

    json = event_to_json(sample_event());
    json["surprise"] = 1;
    parsed = event_from_json(json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().pointer, "/surprise");

    json = event_to_json(sample_event());
    json["client_order_id"] = std::string(49, 'x');
    parsed = event_from_json(json);
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed.error().reason, HasSubstr("at most 48"));

    parsed = event_from_json(Json::array());
    ASSERT_FALSE(parsed.ok());
    EXPECT_THAT(parsed.error().message(), HasSubstr("(root): expected an object"));
}

TEST(ContractsJson, IntentRoundTripsIncludingNonFiniteNumbers) {
    KernelIntent intent;
    intent.timestamp_ns = 5;
    intent.intent_id = "i-1";
    intent.trade_id = "t-1";
    intent.slot_id = -3;
    intent.action = KernelCommandType::EXIT;
    intent.reference_price = std::numeric_limits<double>::quiet_NaN();
    intent.target_size = -std::numeric_limits<double>::infinity();
    intent.leverage = 0.1 + 0.2; // not a short decimal: must survive bit for bit
    intent.exit_leg_ratios = {0.25, std::numeric_limits<double>::infinity()};
    intent.metadata = {{"k", "v"}};
    const auto back = intent_from_json(Json::parse(intent_to_json(intent).dump()));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(std::isnan(back.value().reference_price));
    EXPECT_EQ(back.value().target_size, intent.target_size);
    EXPECT_EQ(back.value().leverage, intent.leverage);
    EXPECT_EQ(back.value().exit_leg_ratios, intent.exit_leg_ratios);
    EXPECT_EQ(back.value().metadata, intent.metadata);
    EXPECT_EQ(back.value().slot_id, -3);
    EXPECT_EQ(back.value().action, KernelCommandType::EXIT);
}

TEST(ContractsJson, SlotSnapshotRoundTripsExactly) {
    SlotSnapshot snapshot;
    snapshot.slot.slot_id = 1;
    snapshot.slot.fsm_state = TradeStage::EXIT_WORKING;
    snapshot.slot.trade_id = Id("t");
    snapshot.slot.asset = AssetName("BTCUSDT");
    snapshot.slot.size = dec("0.003");
    snapshot.slot.entry_filled = dec("0.005");
    snapshot.slot.exit_filled = dec("0.002");
    snapshot.slot.exit_legs.ratios[0] = dec("1");
    snapshot.slot.exit_legs.count = 1;
    snapshot.slot.pending_exit = true;
    snapshot.slot.trades_completed = 9;
    OrderRecord order;
    order.client_order_id = Id("x-1");
    order.purpose = OrderPurpose::EXIT;
    order.qty = dec("0.005");
    order.status = VenueOrderStatus::PARTIALLY_FILLED;
    order.cum_fee = dec("0.0001");
    order.last_venue_sequence = 4;
    snapshot.orders.push_back(order);
    const auto back = snapshot_from_json(Json::parse(snapshot_to_json(snapshot).dump()));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), snapshot);
}

// The slot's JSON reader keeps the bounds its field types do not carry, at the field's place.
TEST(ContractsJson, SlotJsonRefusesWhatTheSlotCannotHold) {
    Json json = slot_to_json(TradeSlot{});
    json["active_leg_index"] = 9;
    const auto past_the_legs = slot_from_json(json, "/slot");
    ASSERT_FALSE(past_the_legs.ok());
    EXPECT_EQ(past_the_legs.error().pointer, "/slot/active_leg_index");
    EXPECT_EQ(past_the_legs.error().reason, "expected an integer from 0 to 8, got 9");
    json["active_leg_index"] = 0;
    json["exit_leg_ratios"] = Json::array({"0.5", 0.5});
    const auto float_leg = slot_from_json(json, "/slot");
    ASSERT_FALSE(float_leg.ok());
    EXPECT_EQ(float_leg.error().pointer, "/slot/exit_leg_ratios/1");
    json["exit_leg_ratios"] = Json::array({"0.5", "0.5"});
    json.erase("fsm_state");
    const auto no_stage = slot_from_json(json, "/slot");
    ASSERT_FALSE(no_stage.ok());
    EXPECT_EQ(no_stage.error().reason, "missing field");
}

TEST(ContractsJson, VenueTruthRoundTrips) {
    VenueOrder order;
    order.client_order_id = Id("a");
    order.qty = dec("1.5");
    order.status = VenueOrderStatus::CANCELED;
    const auto order_back = venue_order_from_json(venue_order_to_json(order));
    ASSERT_TRUE(order_back.ok());
    EXPECT_EQ(order_back.value(), order);
    VenuePosition position;
    position.asset = AssetName("BTCUSDT");
    position.side = TradeSide::SHORT;
    position.size = dec("0.01");
    const auto position_back = venue_position_from_json(venue_position_to_json(position));
    ASSERT_TRUE(position_back.ok());
    EXPECT_EQ(position_back.value(), position);
}

} // namespace
} // namespace dita
