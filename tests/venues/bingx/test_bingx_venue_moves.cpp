// Issue 13 on BingX: the REST history that recovers a lost stream report of a venue move
// (forceOrders, allOrders, income), its parsers, and the kernel trading on the simulator while
// the venue liquidates, auto-deleverages, a person closes by hand and funding settles, each
// delivered by the stream and, with the report lost, recovered by a reconcile.
#include <gtest/gtest.h>

#include "bingx_test_support.hpp"
#include "dita/control/control_plane.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/zinc/zinc_plane.hpp"

namespace dita::bingx {
namespace {

using namespace dita::bingx::testing;

// ---------------------------------------------------------------------------------------
// Parsers and the pure mapping

// GET /openApi/swap/v2/user/income, the shape of BingX's own sample (a bare list).
constexpr const char* income_sample =
    R"([{"symbol":"LDO-USDT","incomeType":"FUNDING_FEE","income":"-0.0292","asset":"USDT","info":"Funding Fee","time":1702713615000,"tranId":"170_3_20","tradeId":"170_3_20"}])";

TEST(BingxHistoryParsing, IncomeRowsInEveryShapeAndHostileOnesRefused) {
    const auto rows = parse_income_data(income_sample);
    ASSERT_TRUE(rows.ok()) << rows.error().detail;
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->front().symbol, "LDO-USDT");
    EXPECT_EQ(rows->front().income_type, "FUNDING_FEE");
    EXPECT_EQ(rows->front().income, dec("-0.0292"));
    EXPECT_EQ(rows->front().time_ms, 1702713615000);
    EXPECT_EQ(rows->front().tran_id, "170_3_20");
    // Wrapped lists (other clients accept them), a string time, null and an empty list.
    const auto wrapped = parse_income_data(R"({"list":[{"symbol":"BTC-USDT","incomeType":"FUNDING_FEE","income":0.5,"time":"1700000000000"}]})");
    ASSERT_TRUE(wrapped.ok());
    EXPECT_EQ(wrapped->front().income, dec("0.5"));
    EXPECT_EQ(wrapped->front().time_ms, 1700000000000);
    EXPECT_TRUE(parse_income_data("null").ok());
    EXPECT_TRUE(parse_income_data("[]")->empty());
    // Hostile: refused with a reason, never a crash.
    for (const char* bad : {"{", R"({"x":1})", R"([1,2])", R"([{"income":"1e999999"}])", R"([{"income":{"a":1}}])",
                            R"({"list":"no"})"}) {
        const auto parsed = parse_income_data(bad);
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.error().code, "UNREADABLE") << bad;
        EXPECT_FALSE(parsed.error().detail.empty());
    }
}

// GET /openApi/swap/v2/trade/forceOrders: BingX's sample row has type LIMIT, so the kind is the
// autoCloseType the query asked for.
constexpr const char* force_orders_sample =
    R"({"orders":[{"symbol":"ATOM-USDT","orderId":1722648546430223,"side":"SELL","positionSide":"LONG","type":"LIMIT","origQty":"2.36","price":"8.096","executedQty":"2.36","avgPrice":"8.095","cumQuote":"19","stopPrice":"","profit":"-0.9346","commission":"-0.009553","status":"FILLED","time":1699546393000,"updateTime":1699546393000,"clientOrderId":"","leverage":"21X","workingType":"MARK_PRICE"}]})";

TEST(BingxHistoryParsing, ForceOrdersTakeTheirKindFromTheQueryOrTheirOwnType) {
    const auto orders = parse_orders_data(force_orders_sample);
    ASSERT_TRUE(orders.ok()) << orders.error().detail;
    const auto liquidation = history_move_of(orders->front(), KernelEventKind::LIQUIDATION);
    ASSERT_TRUE(liquidation.has_value());
    EXPECT_EQ(liquidation->kind, KernelEventKind::LIQUIDATION);
    EXPECT_EQ(liquidation->side, TradeSide::LONG);
    EXPECT_EQ(history_move_of(orders->front(), KernelEventKind::ADL)->kind, KernelEventKind::ADL);
    BingxOrder typed = orders->front();
    typed.type = "LIQUIDATION";
    EXPECT_EQ(history_move_of(typed, KernelEventKind::ADL)->kind, KernelEventKind::LIQUIDATION);
    // From allOrders: a reducing order is a manual close (one-way: reduce-only), an opening one is not.
    BingxOrder one_way = orders->front();
    one_way.position_side = "BOTH";
    one_way.reduce_only = true;
    EXPECT_EQ(history_move_of(one_way, std::nullopt)->kind, KernelEventKind::MANUAL_CLOSE);
    one_way.reduce_only = false;
    EXPECT_FALSE(history_move_of(one_way, std::nullopt).has_value());
    BingxOrder unfilled = orders->front();
    unfilled.executed_qty = Decimal();
    EXPECT_FALSE(history_move_of(unfilled, KernelEventKind::LIQUIDATION).has_value());
}

TEST(BingxHistoryParsing, FundingIdsRoundToTheirBucket) {
    EXPECT_EQ(funding_move_id(1700000000123, "BTC-USDT", TradeSide::SHORT, 1), "F1700000000123-BTC-USDT-S");
    // The stream's push a second late and the history's settlement time name one settlement.
    EXPECT_EQ(funding_move_id(1699999200000, "BTC-USDT", TradeSide::LONG, 60'000),
              funding_move_id(1699999201234, "BTC-USDT", TradeSide::LONG, 60'000));
    EXPECT_NE(funding_move_id(1699999200000, "BTC-USDT", TradeSide::LONG, 60'000),
              funding_move_id(1699999200000, "BTC-USDT", TradeSide::SHORT, 60'000));
}

BingxConfig offline() {
    BingxConfig config;
    config.rest_url = "http://127.0.0.1:1";
    config.ws_url = "ws://127.0.0.1:1/swap-market";
    config.funding_time_bucket_ms = 60'000;
    return config;
}

class Collect final : public EventSink {
public:
    void deliver(const VenueEvent& event) override { events.push_back(event); }
    std::vector<VenueEvent> events;
};

// What the history maps to is what the stream path delivers for the same move, field for field
// (the timestamp aside), so the kernel settles a move seen both ways once.
TEST(BingxHistoryMoves, EachMoveIsTheEventTheStreamDelivers) {
    BingxVenueAdapter adapter(offline());
    adapter.inject_stream_message(
        R"({"e":"ORDER_TRADE_UPDATE","E":5,"o":{"s":"BTC-USDT","c":"","i":"77","S":"SELL","o":"LIQUIDATION","q":"0.01","p":"0","ap":"40250","x":"CALCULATED","X":"FILLED","n":"-0.20125","ps":"LONG","z":"0.01"}})",
        false);
    adapter.inject_stream_message(
        R"({"e":"ORDER_TRADE_UPDATE","E":6,"o":{"s":"BTC-USDT","c":"","i":"78","S":"SELL","o":"MARKET","q":"0.004","p":"0","ap":"51000","x":"TRADE","X":"FILLED","n":"-0.102","ps":"LONG","z":"0.004"}})",
        false);
    adapter.inject_stream_message(
        R"({"e":"ACCOUNT_UPDATE","E":1699999201234,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","bc":"-0.05"}],"P":[{"s":"BTC-USDT","pa":"0.01","ps":"LONG"}]}})",
        false);
    Collect stream;
    adapter.drain_events(stream);
    ASSERT_EQ(stream.events.size(), 3u);

    BingxHistory history;
    history.liquidations = *parse_orders_data(
        R"({"orders":[{"symbol":"BTC-USDT","orderId":77,"side":"SELL","positionSide":"LONG","type":"LIQUIDATION","origQty":"0.01","executedQty":"0.01","avgPrice":"40250","commission":"-0.20125","status":"FILLED","time":5,"updateTime":5,"clientOrderId":""}]})");
    history.orders = *parse_orders_data(
        R"({"orders":[{"symbol":"BTC-USDT","orderId":77,"side":"SELL","positionSide":"LONG","type":"LIQUIDATION","origQty":"0.01","executedQty":"0.01","avgPrice":"40250","commission":"-0.20125","status":"FILLED","updateTime":5,"clientOrderId":""},
                       {"symbol":"BTC-USDT","orderId":78,"side":"SELL","positionSide":"LONG","type":"MARKET","origQty":"0.004","executedQty":"0.004","avgPrice":"51000","commission":"-0.102","status":"FILLED","updateTime":6,"clientOrderId":""},
                       {"symbol":"BTC-USDT","orderId":79,"side":"SELL","positionSide":"LONG","type":"MARKET","origQty":"0.004","executedQty":"0.004","avgPrice":"51000","commission":"-0.102","status":"FILLED","updateTime":6,"clientOrderId":"k-own-exit"},
                       {"symbol":"BTC-USDT","orderId":80,"side":"BUY","positionSide":"LONG","type":"MARKET","origQty":"0.004","executedQty":"0.004","avgPrice":"51000","commission":"-0.102","status":"FILLED","updateTime":6,"clientOrderId":""}]})");
    history.incomes = *parse_income_data(
        R"([{"symbol":"BTC-USDT","incomeType":"FUNDING_FEE","income":"-0.05","asset":"USDT","time":1699999200000,"tranId":"t1"},
            {"symbol":"BTC-USDT","incomeType":"REALIZED_PNL","income":"3","asset":"USDT","time":1699999200000,"tranId":"t2"}])");
    history.positions = *parse_positions_data(R"([{"symbol":"BTC-USDT","positionSide":"LONG","positionAmt":"0.01","avgPrice":"50000"}])");
    const BingxHistoryMoves moves = venue_moves_of(history, "BTC-USDT", "BTCUSDT", 60'000);
    // 77 once (in both lists), 78 (a person's close), not 79 (an API client's) nor 80 (opens); funding.
    ASSERT_EQ(moves.events.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        VenueEvent from_rest = moves.events[i];
        from_rest.timestamp_ns = stream.events[i].timestamp_ns;
        from_rest.venue_sequence = stream.events[i].venue_sequence;
        from_rest.cum_filled_qty = stream.events[i].kind == KernelEventKind::FUNDING ? stream.events[i].cum_filled_qty
                                                                                      : from_rest.cum_filled_qty;
        EXPECT_EQ(from_rest, stream.events[i]) << i << " " << to_string(stream.events[i].kind);
    }
    EXPECT_EQ(moves.funding_unattributed, 0u);
    // Both sides held: which side's funding a row is cannot be told, so it is left out.
    history.positions = *parse_positions_data(
        R"([{"symbol":"BTC-USDT","positionSide":"LONG","positionAmt":"0.01"},{"symbol":"BTC-USDT","positionSide":"SHORT","positionAmt":"0.02"}])");
    const BingxHistoryMoves ambiguous = venue_moves_of(history, "BTC-USDT", "BTCUSDT", 60'000);
    EXPECT_EQ(ambiguous.events.size(), 2u);
    EXPECT_EQ(ambiguous.funding_unattributed, 1u);
}

// libFuzzer's fuzz_bingx found it (input pinned in tests/fuzz/corpus/bingx): an updateTime in ms
// beyond 2262 overflowed the event's ns. Such a time, or a negative one, is unknown (0) now;
// the move itself still counts.
TEST(BingxHistoryMoves, ATimeTheNsCountCannotHoldIsUnknownNotAnOverflow) {
    EXPECT_EQ(ns_of_ms(1'699'546'393'002), 1'699'546'393'002'000'000);
    EXPECT_EQ(ns_of_ms(INT64_MAX / 1'000'000), INT64_MAX / 1'000'000 * 1'000'000);
    EXPECT_EQ(ns_of_ms(INT64_MAX / 1'000'000 + 1), 0);
    EXPECT_EQ(ns_of_ms(-1), 0);
    BingxHistory history;
    history.liquidations = *parse_orders_data(
        R"({"orders":[{"symbol":"BTC-USDT","orderId":1722648546430222,"side":"SELL","positionSide":"LONG","type":"LIQUIDATION","origQty":"2.36","executedQty":"2.36","avgPrice":"8.095","commission":"-0.009553","status":"FILLED","time":1699546393000,"updateTime":16995463930020000,"clientOrderId":""}]})");
    const BingxHistoryMoves moves = venue_moves_of(history, "BTC-USDT", "BTCUSDT", 60'000);
    ASSERT_EQ(moves.events.size(), 1u);
    EXPECT_EQ(moves.events[0].kind, KernelEventKind::LIQUIDATION);
    EXPECT_EQ(moves.events[0].timestamp_ns, 0);
    EXPECT_EQ(moves.events[0].cum_filled_qty.to_string(), "2.36");
}

// ---------------------------------------------------------------------------------------
// The kernel on the simulator

struct MovesOnSim {
    explicit MovesOnSim(bool hedge = true)
        : pair(config_of(hedge), [](BingxConfig& adapter) {
              adapter.request_timeout_ms = 1000;
              adapter.funding_time_bucket_ms = 1; // settlements in a test are milliseconds apart
          }) {
        kernel = std::make_unique<ExecutionKernel>(KernelConfig{.max_slots = 2}, control, *pair.adapter, zinc, clock);
    }
    static bingx_sim::SimConfig config_of(bool hedge) {
        bingx_sim::SimConfig config = sim_config();
        config.hedge_mode = hedge;
        return config;
    }

    KernelOutcome intent(KernelCommandType action, int slot, double size, double price) {
        return kernel->process_intent(numbered_intent("m", ++sequence, action, slot, size, price, clock.now_ns()));
    }
    bool pump_until(const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            kernel->pump_venue();
            if (done()) return true;
            pair.adapter->wait_for_events(std::chrono::milliseconds(20));
        }
        return false;
    }
    void open_long(const char* size) {
        intent(KernelCommandType::ENTER, 0, std::stod(size), 50000.0);
        ASSERT_TRUE(pump_until([&] { return kernel->slot(0).fsm_state == TradeStage::POSITION_OPEN; }))
            << to_string(kernel->slot(0).fsm_state);
        ASSERT_EQ(kernel->slot(0).size, dec(size));
    }
    // The move reached the kernel: by the stream (pumped), or by a reconcile reading the history.
    void deliver(bool by_stream, const std::function<bool()>& settled) {
        if (by_stream) {
            ASSERT_TRUE(pump_until(settled)) << "the stream's report did not settle";
            EXPECT_EQ(pair.sim.stats().move_reports_lost, 0u);
        } else {
            ASSERT_TRUE(pair.adapter->wait_quiet(std::chrono::milliseconds(200), std::chrono::seconds(20)));
            kernel->pump_venue();
            EXPECT_FALSE(settled()) << "settled without a report";
            intent(KernelCommandType::RECONCILE, 0, 0.0, 0.0);
            EXPECT_TRUE(settled()) << "the reconcile did not recover the move from the history";
            EXPECT_GT(pair.sim.stats().move_reports_lost, 0u);
        }
        // Seen again (a reconcile after the stream, or a second one): settled once.
        const AccountSnapshot before = kernel->account();
        intent(KernelCommandType::RECONCILE, 0, 0.0, 0.0);
        EXPECT_EQ(kernel->account(), before);
    }
    Decimal venue_size(const char* side) const {
        Decimal size;
        for (const auto& position : pair.sim.positions()) {
            if (position.position_side == side) size += position.amount.abs();
        }
        return size;
    }
    // Slots hold what the venue holds; the money identity holds exactly and the kernel's money
    // moved as the venue's balance did.
    void expect_books_agree() {
        const AccountSnapshot account = kernel->account();
        EXPECT_EQ(account.capital, account.initial_capital + account.realized_pnl - account.fees_paid + account.funding);
        Decimal venue_fees;
        for (const auto& order : pair.sim.orders()) venue_fees += order.fee;
        EXPECT_EQ(account.fees_paid, venue_fees);
        const auto balance = pair.adapter->balance();
        ASSERT_TRUE(balance.ok()) << balance.detail;
        EXPECT_EQ(balance.value.balance - dec("100000"), account.realized_pnl - account.fees_paid + account.funding);
        Decimal held;
        for (int slot = 0; slot < kernel->max_slots(); ++slot) held += kernel->slot(slot).size;
        EXPECT_EQ(held, venue_size("LONG") + venue_size("SHORT") + venue_size("BOTH"));
    }

    WallClock clock;
    InMemoryControlPlane control;
    InMemoryZincPlane zinc;
    SimPair pair;
    std::unique_ptr<ExecutionKernel> kernel;
    int sequence = 0;
};

class BingxSimVenueMoves : public ::testing::TestWithParam<bool> {};

std::string delivery_name(const ::testing::TestParamInfo<bool>& info) { return info.param ? "ByStream" : "ByHistory"; }

TEST_P(BingxSimVenueMoves, ALeveragedLongIsLiquidatedWhenTheMarkCrossesItsLiquidationPrice) {
    MovesOnSim k;
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    k.open_long("0.01");
    k.pair.sim.set_lose_move_reports(!GetParam());
    // 5x isolated, 0.5% maintenance: liquidated at 50000 x (1 - (0.2 - 0.005)) = 40250.
    ASSERT_TRUE(k.pair.sim.set_mark_price("BTC-USDT", "40000"));
    EXPECT_EQ(k.pair.sim.stats().liquidations, 1u);
    EXPECT_TRUE(k.venue_size("LONG").is_zero());
    k.deliver(GetParam(), [&] { return k.kernel->slot(0).size.is_zero(); });
    EXPECT_EQ(k.kernel->slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(k.kernel->account().realized_pnl, dec("-97.5"));
    k.expect_books_agree();
}

TEST_P(BingxSimVenueMoves, APartialAdlLeavesTheRestOfThePosition) {
    MovesOnSim k;
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    k.open_long("0.01");
    k.pair.sim.set_lose_move_reports(!GetParam());
    ASSERT_TRUE(k.pair.sim.adl("BTC-USDT", "LONG", "0.004", "51000"));
    k.deliver(GetParam(), [&] { return k.kernel->slot(0).size == dec("0.006"); });
    EXPECT_EQ(k.kernel->slot(0).fsm_state, TradeStage::POSITION_PARTIALLY_CLOSED);
    EXPECT_EQ(k.kernel->account().realized_pnl, dec("4")); // 0.004 x (51000 - 50000)
    k.expect_books_agree();
    // The rest still exits.
    k.pair.sim.set_lose_move_reports(false);
    k.intent(KernelCommandType::EXIT, 0, 0.0, 50000.0);
    ASSERT_TRUE(k.pump_until([&] { return k.kernel->slot(0).fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN; }));
    k.expect_books_agree();
}

TEST_P(BingxSimVenueMoves, AManualCloseOnTheWebsiteEndsTheTrade) {
    MovesOnSim k(false); // one-way: the website's close is reduce-only
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    k.open_long("0.01");
    k.pair.sim.set_lose_move_reports(!GetParam());
    ASSERT_TRUE(k.pair.sim.manual_close("BTC-USDT", "BOTH", "0.01", "50500"));
    k.deliver(GetParam(), [&] { return k.kernel->slot(0).size.is_zero(); });
    EXPECT_EQ(k.kernel->slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(k.kernel->account().realized_pnl, dec("5"));
    k.expect_books_agree();
}

TEST_P(BingxSimVenueMoves, FundingOverSeveralIntervalsIsBookedOnce) {
    MovesOnSim k;
    ASSERT_TRUE(k.pair.start_result.ok()) << k.pair.start_result.error().detail;
    k.open_long("0.01");
    k.pair.sim.set_lose_move_reports(!GetParam());
    // Three settlements (a day of 8-hour intervals): longs pay 0.01 x 50000 x 0.0001 each.
    for (int interval = 0; interval < 3; ++interval) {
        ASSERT_TRUE(k.pair.sim.settle_funding("BTC-USDT", "0.0001"));
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    EXPECT_EQ(k.pair.sim.stats().funding_settlements, 3u);
    k.deliver(GetParam(), [&] { return k.kernel->account().funding == dec("-0.15"); });
    EXPECT_EQ(k.kernel->slot(0).size, dec("0.01"));
    k.expect_books_agree();
}

INSTANTIATE_TEST_SUITE_P(Delivery, BingxSimVenueMoves, ::testing::Bool(), delivery_name);

// Funding every interval of the simulator's own clock, on the stream.
TEST(BingxSimVenueMovesClock, FundingSettlesEveryInterval) {
    bingx_sim::SimConfig config = sim_config();
    config.funding_interval_ms = 300;
    config.funding_rate = "-0.0001"; // shorts pay longs
    bingx_sim::Simulator sim(config);
    ASSERT_TRUE(sim.start().ok());
    BingxConfig adapter_cfg = adapter_config(sim, config);
    adapter_cfg.funding_time_bucket_ms = 1;
    BingxVenueAdapter adapter(adapter_cfg);
    ASSERT_TRUE(adapter.start().ok());
    EventLog log;
    ASSERT_TRUE(adapter.submit_order(order("fund-entry", TradeSide::LONG, OrderPurpose::ENTRY, "0.01")).status ==
                VenueCallStatus::ACCEPTED);
    std::size_t funding = 0;
    ASSERT_TRUE(drain_until(adapter, log, [&] {
        funding = 0;
        for (const VenueEvent& event : log.events) funding += event.kind == KernelEventKind::FUNDING;
        return funding >= 3;
    }));
    for (const VenueEvent& event : log.events) {
        if (event.kind != KernelEventKind::FUNDING) continue;
        EXPECT_EQ(event.side, TradeSide::LONG);
        EXPECT_EQ(event.cum_fee, dec("-0.05")); // received
    }
    const auto history = adapter.venue_moves("BTCUSDT");
    ASSERT_TRUE(history.ok()) << history.detail;
    std::int64_t last_seen_ns = 0;
    for (const VenueEvent& event : log.events) {
        if (event.kind == KernelEventKind::FUNDING) last_seen_ns = std::max(last_seen_ns, event.timestamp_ns);
    }
    std::size_t recovered = 0;
    for (const VenueEvent& event : history.value) {
        // Settlements after the last drain are not on the log yet.
        if (event.kind != KernelEventKind::FUNDING || event.timestamp_ns > last_seen_ns) continue;
        ++recovered;
        bool on_stream = false;
        for (const VenueEvent& seen : log.events) on_stream = on_stream || seen.venue_order_id == event.venue_order_id;
        EXPECT_TRUE(on_stream) << event.venue_order_id.str() << ": the history names it as the stream did";
    }
    EXPECT_GE(recovered, 3u);
    adapter.stop();
    sim.stop();
}

} // namespace
} // namespace dita::bingx
