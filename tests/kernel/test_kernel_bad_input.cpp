#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_value = std::numeric_limits<double>::infinity();

struct BadIntentCase {
    const char* name;
    std::function<void(KernelIntent&)> corrupt;
    KernelDiagnosticCode expected;
    KernelCommandType action = KernelCommandType::ENTER;
};

std::ostream& operator<<(std::ostream& os, const BadIntentCase& c) { return os << c.name; }

class BadIntent : public ::testing::TestWithParam<BadIntentCase> {};

// Each bad intent gets its own code, a detail text, and leaves the state byte-identical.
TEST_P(BadIntent, GetsItsDiagnosticAndChangesNothing) {
    const BadIntentCase& c = GetParam();
    Harness h;
    // Slot 1 holds an open position so EXIT cases have something to act on.
    ASSERT_EQ(h.enter(1).diagnostic_code, KernelDiagnosticCode::OK);
    const std::uint64_t hash_before = h.kernel.state_hash();
    const AccountSnapshot account_before = h.kernel.account();
    const auto orders_before = h.venue.counters().orders_submitted;
    KernelIntent intent = h.make(c.action, c.action == KernelCommandType::EXIT ? 1 : 0);
    c.corrupt(intent);
    const KernelOutcome out = h.kernel.process_intent(intent);
    EXPECT_EQ(out.diagnostic_code, c.expected) << out.details;
    EXPECT_FALSE(out.details.empty());
    EXPECT_NE(out.severity, KernelSeverity::CRITICAL);
    EXPECT_TRUE(out.transitions.empty());
    EXPECT_TRUE(out.emitted_events.empty());
    EXPECT_EQ(h.kernel.state_hash(), hash_before);
    EXPECT_EQ(h.kernel.account(), account_before);
    EXPECT_EQ(h.venue.counters().orders_submitted, orders_before);
}

using K = KernelDiagnosticCode;
INSTANTIATE_TEST_SUITE_P(
    Table, BadIntent,
    ::testing::Values(
        BadIntentCase{"nan_size", [](KernelIntent& i) { i.target_size = nan_value; }, K::INVALID_SIZE},
        BadIntentCase{"inf_size", [](KernelIntent& i) { i.target_size = inf_value; }, K::INVALID_SIZE},
        BadIntentCase{"zero_size", [](KernelIntent& i) { i.target_size = 0.0; }, K::INVALID_SIZE},
        BadIntentCase{"negative_size", [](KernelIntent& i) { i.target_size = -0.01; }, K::INVALID_SIZE},
        BadIntentCase{"off_lot_size", [](KernelIntent& i) { i.target_size = 0.0105; }, K::INVALID_SIZE},
        BadIntentCase{"below_lot_size", [](KernelIntent& i) { i.target_size = 0.0004; }, K::INVALID_SIZE},
        BadIntentCase{"huge_size", [](KernelIntent& i) { i.target_size = 1e300; }, K::INVALID_SIZE},
        BadIntentCase{"size_beyond_bound", [](KernelIntent& i) { i.target_size = 2e6; }, K::INVALID_SIZE},
        BadIntentCase{"price_beyond_bound", [](KernelIntent& i) { i.reference_price = 1e9; }, K::INVALID_PRICE},
        BadIntentCase{"notional_beyond_bound",
                      [](KernelIntent& i) {
                          i.target_size = 1e6;
                          i.reference_price = 1e7;
                      },
                      K::RISK_LIMIT},
        BadIntentCase{"price_below_tick", [](KernelIntent& i) { i.reference_price = 1e-8; }, K::INVALID_PRICE},
        BadIntentCase{"nan_price", [](KernelIntent& i) { i.reference_price = nan_value; }, K::INVALID_PRICE},
        BadIntentCase{"inf_price", [](KernelIntent& i) { i.reference_price = -inf_value; }, K::INVALID_PRICE},
        BadIntentCase{"zero_price", [](KernelIntent& i) { i.reference_price = 0.0; }, K::INVALID_PRICE},
        BadIntentCase{"negative_price", [](KernelIntent& i) { i.reference_price = -1.0; }, K::INVALID_PRICE},
        BadIntentCase{"nan_leverage", [](KernelIntent& i) { i.leverage = nan_value; }, K::INVALID_LEVERAGE},
        BadIntentCase{"zero_leverage", [](KernelIntent& i) { i.leverage = 0.0; }, K::INVALID_LEVERAGE},
        BadIntentCase{"sub_one_leverage", [](KernelIntent& i) { i.leverage = 0.5; }, K::INVALID_LEVERAGE},
        BadIntentCase{"excessive_leverage", [](KernelIntent& i) { i.leverage = 500.0; }, K::INVALID_LEVERAGE},
        BadIntentCase{"legs_empty", [](KernelIntent& i) { i.exit_leg_ratios = {}; }, K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_not_increasing", [](KernelIntent& i) { i.exit_leg_ratios = {0.6, 0.4, 1.0}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_repeated", [](KernelIntent& i) { i.exit_leg_ratios = {0.5, 0.5, 1.0}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_not_ending_at_one", [](KernelIntent& i) { i.exit_leg_ratios = {0.5, 0.9}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_above_one", [](KernelIntent& i) { i.exit_leg_ratios = {0.5, 1.5}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_negative", [](KernelIntent& i) { i.exit_leg_ratios = {-0.5, 1.0}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_nan", [](KernelIntent& i) { i.exit_leg_ratios = {nan_value, 1.0}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"legs_too_many", [](KernelIntent& i) { i.exit_leg_ratios = {.1, .2, .3, .4, .5, .6, .7, .8, 1.0}; },
                      K::INVALID_LEG_RATIOS},
        BadIntentCase{"slot_negative", [](KernelIntent& i) { i.slot_id = -1; }, K::INVALID_SLOT_ID},
        BadIntentCase{"slot_too_high", [](KernelIntent& i) { i.slot_id = 2; }, K::INVALID_SLOT_ID},
        BadIntentCase{"unknown_asset", [](KernelIntent& i) { i.asset = "DOGEUSDT"; }, K::UNKNOWN_ASSET},
        BadIntentCase{"empty_asset", [](KernelIntent& i) { i.asset = ""; }, K::UNKNOWN_ASSET},
        BadIntentCase{"empty_intent_id", [](KernelIntent& i) { i.intent_id = ""; }, K::INVALID_INTENT_ID},
        BadIntentCase{"intent_id_with_space", [](KernelIntent& i) { i.intent_id = "a b"; }, K::INVALID_INTENT_ID},
        BadIntentCase{"empty_trade_id", [](KernelIntent& i) { i.trade_id = ""; }, K::INVALID_INTENT_ID},
        BadIntentCase{"enter_busy_slot", [](KernelIntent& i) { i.slot_id = 1; }, K::SLOT_BUSY},
        BadIntentCase{"unsupported_action", [](KernelIntent& i) { i.action = static_cast<KernelCommandType>(42); },
                      K::UNSUPPORTED_INTENT},
        BadIntentCase{"unknown_side", [](KernelIntent& i) { i.side = static_cast<TradeSide>(9); },
                      K::UNSUPPORTED_INTENT},
        BadIntentCase{"exit_nan_size", [](KernelIntent& i) { i.target_size = nan_value; }, K::INVALID_SIZE,
                      KernelCommandType::EXIT},
        BadIntentCase{"exit_negative_size", [](KernelIntent& i) { i.target_size = -1.0; }, K::INVALID_SIZE,
                      KernelCommandType::EXIT},
        BadIntentCase{"exit_off_lot_size", [](KernelIntent& i) { i.target_size = 0.0015; }, K::INVALID_SIZE,
                      KernelCommandType::EXIT},
        BadIntentCase{"exit_nan_price", [](KernelIntent& i) { i.reference_price = nan_value; }, K::INVALID_PRICE,
                      KernelCommandType::EXIT},
        BadIntentCase{"exit_price_below_tick", [](KernelIntent& i) { i.reference_price = 0.01; }, K::INVALID_PRICE,
                      KernelCommandType::EXIT},
        BadIntentCase{"mark_below_tick", [](KernelIntent& i) { i.reference_price = 1e-8; }, K::INVALID_PRICE,
                      KernelCommandType::MARK_PRICE},
        BadIntentCase{"exit_nothing_open", [](KernelIntent& i) { i.slot_id = 0; }, K::NOTHING_TO_EXIT,
                      KernelCommandType::EXIT},
        BadIntentCase{"cancel_nothing_working", [](KernelIntent&) {}, K::NOTHING_TO_CANCEL,
                      KernelCommandType::CANCEL},
        BadIntentCase{"mark_nan", [](KernelIntent& i) { i.reference_price = nan_value; }, K::INVALID_PRICE,
                      KernelCommandType::MARK_PRICE},
        BadIntentCase{"mark_negative", [](KernelIntent& i) { i.reference_price = -3.0; }, K::INVALID_PRICE,
                      KernelCommandType::MARK_PRICE},
        BadIntentCase{"mark_unknown_asset", [](KernelIntent& i) { i.asset = "XYZ"; }, K::UNKNOWN_ASSET,
                      KernelCommandType::MARK_PRICE},
        BadIntentCase{"mark_beyond_bound", [](KernelIntent& i) { i.reference_price = 1e10; }, K::INVALID_PRICE,
                      KernelCommandType::MARK_PRICE},
        BadIntentCase{"exit_price_beyond_bound", [](KernelIntent& i) { i.reference_price = 1e9; }, K::INVALID_PRICE,
                      KernelCommandType::EXIT},
        BadIntentCase{"exit_size_beyond_bound", [](KernelIntent& i) { i.target_size = 1e7; }, K::INVALID_SIZE,
                      KernelCommandType::EXIT}),
    [](const ::testing::TestParamInfo<BadIntentCase>& param_info) { return std::string(param_info.param.name); });

struct BadEventCase {
    const char* name;
    std::function<void(VenueEvent&)> corrupt;
    KernelDiagnosticCode expected;
};
std::ostream& operator<<(std::ostream& os, const BadEventCase& c) { return os << c.name; }

class BadEvent : public ::testing::TestWithParam<BadEventCase> {};

TEST_P(BadEvent, GetsItsDiagnosticAndChangesNothing) {
    const BadEventCase& c = GetParam();
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = 0.5;
    Harness h(scenario);
    h.enter(0);
    const TradeSlot& slot = h.kernel.slot(0);
    VenueEvent event;
    event.kind = KernelEventKind::FILL;
    event.status = VenueEventStatus::FILLED;
    event.client_order_id = slot.entry_order_id;
    event.slot_id = 0;
    event.trade_id = slot.trade_id;
    event.asset = AssetName("BTCUSDT");
    event.order_qty = dec("0.01");
    event.cum_filled_qty = dec("0.01");
    event.avg_fill_price = dec("100");
    event.cum_fee = dec("0.0005");
    event.venue_sequence = 1000;
    c.corrupt(event);
    const std::uint64_t before = h.kernel.state_hash();
    const KernelOutcome out = h.kernel.on_venue_event(event);
    EXPECT_EQ(out.diagnostic_code, c.expected) << out.details;
    EXPECT_FALSE(out.details.empty());
    EXPECT_NE(out.severity, KernelSeverity::CRITICAL);
    if (c.expected != KernelDiagnosticCode::UNKNOWN_ORDER) {
        EXPECT_EQ(h.kernel.state_hash(), before);
    }
    EXPECT_EQ(h.kernel.slot(0).size, dec("0.005"));
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadEvent,
    ::testing::Values(
        BadEventCase{"unknown_kind", [](VenueEvent& e) { e.kind = static_cast<KernelEventKind>(99); },
                     K::UNKNOWN_EVENT_KIND},
        BadEventCase{"negative_fill", [](VenueEvent& e) { e.cum_filled_qty = dec("-0.01"); }, K::INVALID_EVENT},
        BadEventCase{"negative_price", [](VenueEvent& e) { e.avg_fill_price = dec("-5"); }, K::INVALID_EVENT},
        BadEventCase{"fill_without_price", [](VenueEvent& e) { e.avg_fill_price = Decimal(); }, K::INVALID_EVENT},
        BadEventCase{"fill_of_nothing", [](VenueEvent& e) { e.cum_filled_qty = Decimal(); }, K::INVALID_EVENT},
        BadEventCase{"negative_order_qty", [](VenueEvent& e) { e.order_qty = dec("-1"); }, K::INVALID_EVENT},
        BadEventCase{"no_client_order_id", [](VenueEvent& e) { e.client_order_id = Id(); }, K::INVALID_EVENT},
        BadEventCase{"fill_beyond_bound", [](VenueEvent& e) { e.cum_filled_qty = dec("5000000"); }, K::INVALID_EVENT},
        BadEventCase{"price_beyond_bound", [](VenueEvent& e) { e.avg_fill_price = dec("90000000"); }, K::INVALID_EVENT},
        BadEventCase{"notional_beyond_bound",
                     [](VenueEvent& e) {
                         e.cum_filled_qty = dec("900000");
                         e.avg_fill_price = dec("9000000");
                     },
                     K::INVALID_EVENT},
        BadEventCase{"fee_beyond_bound", [](VenueEvent& e) { e.cum_fee = Decimal::from_units(-20'000'000'000); }, K::INVALID_EVENT},
        BadEventCase{"unknown_order", [](VenueEvent& e) { e.client_order_id = Id("nobody"); }, K::UNKNOWN_ORDER},
        BadEventCase{"mark_without_price",
                     [](VenueEvent& e) {
                         e.kind = KernelEventKind::MARK_PRICE;
                         e.price = Decimal();
                     },
                     K::INVALID_EVENT},
        BadEventCase{"mark_unknown_asset",
                     [](VenueEvent& e) {
                         e.kind = KernelEventKind::MARK_PRICE;
                         e.price = dec("5");
                         e.asset = AssetName("NOPE");
                     },
                     K::INVALID_EVENT}),
    [](const ::testing::TestParamInfo<BadEventCase>& param_info) { return std::string(param_info.param.name); });

TEST(BadSnapshot, InconsistentSnapshotsAreRefusedAtomically) {
    Harness h;
    h.enter(0);
    const std::uint64_t before = h.kernel.state_hash();
    std::vector<SlotSnapshot> snaps{h.kernel.slot_snapshot(0), h.kernel.slot_snapshot(1)};
    snaps[1].slot.size = dec("0.5"); // size without fills
    KernelOutcome out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT) << out.details;
    EXPECT_EQ(h.kernel.state_hash(), before);
    snaps[1] = h.kernel.slot_snapshot(1);
    snaps[1].slot.slot_id = 7;
    out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SLOT_ID);
    EXPECT_EQ(h.kernel.state_hash(), before);
    snaps[1] = h.kernel.slot_snapshot(0);
    out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT);
    EXPECT_EQ(h.kernel.state_hash(), before);
    snaps = {h.kernel.slot_snapshot(0)};
    snaps[0].slot.exit_legs.count = 0;
    out = h.kernel.reconcile_from_slots(snaps);
    EXPECT_EQ(out.diagnostic_code, KernelDiagnosticCode::INVALID_SNAPSHOT);
    EXPECT_EQ(h.kernel.state_hash(), before);
}

// Finite but extreme values must get a diagnostic, never an overflow abort (found through the
// Python binding: an ENTER of 1e9 at 1e9, and a mark of 1e10 over a large position).
TEST(BadInput, ExtremeFiniteValuesNeverOverflow) {
    Harness h;
    EXPECT_EQ(h.enter(0, 1e9, 1e9).diagnostic_code, KernelDiagnosticCode::INVALID_PRICE);
    EXPECT_EQ(h.enter(0, 1e9, 1e6).diagnostic_code, KernelDiagnosticCode::INVALID_SIZE);
    ASSERT_EQ(h.enter(0, 10000.0, 0.1).diagnostic_code, KernelDiagnosticCode::OK);
    const std::uint64_t before = h.kernel.state_hash();
    EXPECT_EQ(h.mark(0, 1e10).diagnostic_code, KernelDiagnosticCode::INVALID_PRICE);
    const KernelOutcome huge = h.mark(0, 5e6); // 10,000 units at 5e6 is beyond the slot's bound
    EXPECT_EQ(huge.diagnostic_code, KernelDiagnosticCode::INVALID_PRICE) << huge.details;
    EXPECT_EQ(h.kernel.state_hash(), before);
    EXPECT_EQ(h.mark(0, 1e6).diagnostic_code, KernelDiagnosticCode::OK);
    const AccountSnapshot a = h.kernel.account();
    EXPECT_EQ(a.equity, a.capital + a.unrealized_pnl);
    EXPECT_TRUE(h.money_identity_holds());
}

// Ids are checked eight bytes at a time: every byte value, at every place of a long id (each
// place in a word and in the tail after the last whole word), is judged as one byte at a time
// would judge it, and a refused id changes nothing.
TEST(BadInput, EveryByteOfAnIdIsCheckedWhereverItStands) {
    Harness h;
    const std::uint64_t hash_before = h.kernel.state_hash();
    const std::string base(37, 'a'); // four whole words and a tail of five
    for (std::size_t place = 0; place < base.size(); ++place) {
        for (int value = 0; value < 256; ++value) {
            std::string id = base;
            id[place] = static_cast<char>(value);
            KernelIntent intent = h.make(KernelCommandType::ENTER, 0);
            intent.trade_id = id;
            const bool printable = value >= 0x21 && value <= 0x7e;
            if (printable) {
                // A valid id: refused for another reason (no price), never for the id.
                intent.reference_price = 0.0;
                EXPECT_NE(h.kernel.process_intent(intent).diagnostic_code, K::INVALID_INTENT_ID)
                    << "byte " << value << " at " << place;
            } else {
                EXPECT_EQ(h.kernel.process_intent(intent).diagnostic_code, K::INVALID_INTENT_ID)
                    << "byte " << value << " at " << place;
            }
        }
    }
    EXPECT_EQ(h.kernel.state_hash(), hash_before);
}

TEST(BadConfig, ImpossibleConfigurationsThrowAtConstruction) {
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue;
    InMemoryZincPlane zinc;
    EXPECT_THROW(ExecutionKernel(KernelConfig{.max_slots = 0}, control, venue, zinc, clock), std::invalid_argument);
    EXPECT_THROW(ExecutionKernel(KernelConfig{.max_slots = 100000}, control, venue, zinc, clock), std::invalid_argument);
    EXPECT_THROW(ExecutionKernel(KernelConfig{.max_slots = 1, .initial_capital = dec("-1")}, control, venue, zinc, clock),
                 std::invalid_argument);
    EXPECT_THROW(ExecutionKernel(KernelConfig{.max_slots = 1, .initial_capital = Decimal::from_units(20'000'000'000)}, control, venue,
                                 zinc, clock),
                 std::invalid_argument);
}

TEST(BadControl, InvalidControlUpdatesAreRefusedWhole) {
    InMemoryControlPlane control;
    const auto version = control.state().version;
    EXPECT_FALSE(control.update(ControlUpdate{.mode = KernelMode::HALTED, .max_leverage = dec("0.5")}).accepted);
    EXPECT_FALSE(control.update(ControlUpdate{.max_notional = dec("-1")}).accepted);
    EXPECT_FALSE(control.update(ControlUpdate{.max_position_size = dec("-1")}).accepted);
    EXPECT_EQ(control.state().mode, KernelMode::NORMAL);
    EXPECT_EQ(control.state().version, version);
}

} // namespace
} // namespace dita::test
