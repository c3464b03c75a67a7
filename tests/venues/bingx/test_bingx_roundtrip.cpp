// Each endpoint's round trip: the adapter against the in-process simulator on 127.0.0.1.
#include <gtest/gtest.h>

#include "bingx_test_support.hpp"

namespace dita::bingx {
namespace {

using namespace dita::bingx::testing;

std::optional<bingx_sim::SimPosition> sim_position(const bingx_sim::Simulator& sim, const std::string& side) {
    for (const auto& position : sim.positions()) {
        if (position.symbol == "BTC-USDT" && position.position_side == side && !position.amount.is_zero()) return position;
    }
    return std::nullopt;
}

TEST(BingxRoundTrip, StartLoadsContractInfoAndOpensTheStream) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    const auto spec = pair.adapter->instrument("BTCUSDT");
    ASSERT_TRUE(spec.has_value());
    EXPECT_EQ(spec->lot_step, dec("0.0001"));   // 10^-quantityPrecision
    EXPECT_EQ(spec->tick_size, dec("0.1"));     // 10^-pricePrecision
    EXPECT_EQ(spec->min_qty, dec("0.0001"));    // tradeMinQuantity
    EXPECT_EQ(spec->min_notional, dec("2"));    // tradeMinUSDT
    EXPECT_FALSE(pair.adapter->instrument("ETHUSDT").has_value());
    EXPECT_TRUE(pair.adapter->stream_connected());
    EXPECT_EQ(pair.sim.stats().listen_keys_created, 1u);
    const auto info = pair.adapter->load_contract("BTCUSDT");
    ASSERT_TRUE(info.ok()) << info.detail;
    EXPECT_EQ(info.value.symbol, "BTC-USDT");
    EXPECT_EQ(info.value.taker_fee_rate, dec("0.0005"));
}

TEST(BingxRoundTrip, ServerTimeAndClockOffsetFollowASkewedServer) {
    auto config = sim_config();
    config.time_offset_ms = -20'000; // the server's clock is 20 s behind this machine's
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EXPECT_NEAR(static_cast<double>(pair.adapter->clock_offset_ms()), -20'000.0, 500.0);
    const auto time = pair.adapter->server_time_ms();
    ASSERT_TRUE(time.ok()) << time.detail;
    // Signed calls carry the server's time, so the skew does not get them refused.
    const auto result = pair.adapter->submit_order(order("skew-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.01"));
    EXPECT_EQ(result.status, VenueCallStatus::ACCEPTED) << result.detail;
    EXPECT_EQ(pair.sim.stats().timestamp_failures, 0u);
}

TEST(BingxRoundTrip, LongEntryFillsWithCumulativeFieldsThenExitCloses) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    const auto entry = pair.adapter->submit_order(order("e-long-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.0123", "50000"));
    ASSERT_EQ(entry.status, VenueCallStatus::ACCEPTED) << entry.detail;
    EXPECT_FALSE(entry.venue_order_id.empty());
    const Decimal fee = dec("0.0123").mul(dec("50000")).mul(dec("0.0005"));
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] { return log.is_done("e-long-1") && log.cum_fee("e-long-1") == fee; }));
    const VenueEvent& last = log.latest.at("e-long-1");
    EXPECT_EQ(last.kind, KernelEventKind::FILL);
    EXPECT_EQ(last.cum_filled_qty, dec("0.0123"));
    EXPECT_EQ(last.avg_fill_price, dec("50000"));
    EXPECT_EQ(last.side, TradeSide::LONG);
    EXPECT_EQ(last.slot_id, 0);
    EXPECT_EQ(last.trade_id, Id("t-e-long-1"));
    EXPECT_EQ(last.venue_order_id, entry.venue_order_id);
    EXPECT_GT(last.venue_sequence, 0u);
    for (std::size_t i = 1; i < log.events.size(); ++i) EXPECT_GT(log.events[i].venue_sequence, log.events[i - 1].venue_sequence);

    const auto held = sim_position(pair.sim, "LONG");
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->amount, dec("0.0123"));
    const auto sim_order = pair.sim.order("e-long-1");
    ASSERT_TRUE(sim_order.has_value());
    EXPECT_EQ(sim_order->side, "BUY");
    EXPECT_EQ(sim_order->position_side, "LONG");

    const auto positions = pair.adapter->positions("BTCUSDT");
    ASSERT_TRUE(positions.ok()) << positions.detail;
    ASSERT_EQ(positions.value.size(), 1u);
    EXPECT_EQ(positions.value[0].side, TradeSide::LONG);
    EXPECT_EQ(positions.value[0].size, dec("0.0123"));
    EXPECT_EQ(positions.value[0].entry_price, dec("50000"));

    const auto exit = pair.adapter->submit_order(order("x-long-1", TradeSide::LONG, OrderPurpose::EXIT, "0.0123", "51000"));
    ASSERT_EQ(exit.status, VenueCallStatus::ACCEPTED) << exit.detail;
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] { return log.is_done("x-long-1"); }));
    EXPECT_EQ(pair.sim.order("x-long-1")->side, "SELL");
    EXPECT_EQ(pair.sim.order("x-long-1")->position_side, "LONG");
    EXPECT_FALSE(sim_position(pair.sim, "LONG").has_value());
    const auto after = pair.adapter->positions("BTCUSDT");
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(after.value.empty());

    // Balance: initial + (51000 - 50000) * 0.0123 - both fees.
    const auto balance = pair.adapter->balance();
    ASSERT_TRUE(balance.ok()) << balance.detail;
    const Decimal exit_fee = dec("0.0123").mul(dec("51000")).mul(dec("0.0005"));
    EXPECT_EQ(balance.value.balance, dec("100000") + dec("12.3") - fee - exit_fee);
    EXPECT_EQ(balance.value.asset, "USDT");
}

TEST(BingxRoundTrip, ShortSideMapsToSellShortAndBuyShort) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    ASSERT_EQ(pair.adapter->submit_order(order("e-short", TradeSide::SHORT, OrderPurpose::ENTRY, "0.002")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.sim.order("e-short")->side, "SELL");
    EXPECT_EQ(pair.sim.order("e-short")->position_side, "SHORT");
    const auto positions = pair.adapter->positions("BTCUSDT");
    ASSERT_TRUE(positions.ok());
    ASSERT_EQ(positions.value.size(), 1u);
    EXPECT_EQ(positions.value[0].side, TradeSide::SHORT);
    EXPECT_EQ(positions.value[0].size, dec("0.002"));
    ASSERT_EQ(pair.adapter->submit_order(order("x-short", TradeSide::SHORT, OrderPurpose::EXIT, "0.002")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.sim.order("x-short")->side, "BUY");
    EXPECT_EQ(pair.sim.order("x-short")->position_side, "SHORT");
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] { return log.is_done("e-short") && log.is_done("x-short"); }));
    EXPECT_EQ(log.latest.at("x-short").side, TradeSide::SHORT);
}

TEST(BingxRoundTrip, OneWayModeSendsBothAndReduceOnlyExits) {
    auto config = sim_config();
    config.hedge_mode = false;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    ASSERT_EQ(pair.adapter->submit_order(order("ow-e", TradeSide::LONG, OrderPurpose::ENTRY, "0.003")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.sim.order("ow-e")->position_side, "BOTH");
    EXPECT_FALSE(pair.sim.order("ow-e")->reduce_only);
    const auto exit = pair.adapter->submit_order(order("ow-x", TradeSide::LONG, OrderPurpose::EXIT, "0.003"));
    ASSERT_EQ(exit.status, VenueCallStatus::ACCEPTED) << exit.detail;
    EXPECT_TRUE(pair.sim.order("ow-x")->reduce_only);
    EXPECT_EQ(pair.sim.order("ow-x")->side, "SELL");
    const auto query = pair.adapter->query_order("BTCUSDT", "ow-x");
    ASSERT_TRUE(query.ok() && query.value.has_value()) << query.detail;
    EXPECT_EQ(query.value->purpose, OrderPurpose::EXIT);
    EXPECT_EQ(query.value->side, TradeSide::LONG);
}

TEST(BingxRoundTrip, PartialFillThenOpenOrdersThenCancelKeepsTheFilledPart) {
    auto config = sim_config();
    config.partial_fill_ratio = 0.5;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    ASSERT_EQ(pair.adapter->submit_order(order("pf-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.0101")).status,
              VenueCallStatus::ACCEPTED);
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] { return log.cum_filled("pf-1") == dec("0.005"); }));
    EXPECT_EQ(log.latest.at("pf-1").kind, KernelEventKind::PARTIAL_FILL);

    const auto open = pair.adapter->open_orders("BTCUSDT");
    ASSERT_TRUE(open.ok()) << open.detail;
    ASSERT_EQ(open.value.size(), 1u);
    EXPECT_EQ(open.value[0].client_order_id, Id("pf-1"));
    EXPECT_EQ(open.value[0].status, VenueOrderStatus::PARTIALLY_FILLED);
    EXPECT_EQ(open.value[0].cum_filled_qty, dec("0.005"));
    EXPECT_EQ(open.value[0].qty, dec("0.0101"));
    EXPECT_EQ(open.value[0].slot_id, 0);

    CancelRequest cancel;
    cancel.client_order_id = Id("pf-1");
    cancel.asset = AssetName("BTCUSDT");
    const auto canceled = pair.adapter->cancel_order(cancel);
    EXPECT_EQ(canceled.status, VenueCallStatus::ACCEPTED) << canceled.detail;
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] { return log.is_done("pf-1"); }));
    EXPECT_EQ(log.latest.at("pf-1").kind, KernelEventKind::CANCEL_ACK);
    EXPECT_EQ(log.latest.at("pf-1").cum_filled_qty, dec("0.005"));
    EXPECT_EQ(pair.sim.order("pf-1")->status, "CANCELED");

    // A second cancel is idempotent: the order is canceled, and the answer says it already was.
    const auto again = pair.adapter->cancel_order(cancel);
    EXPECT_EQ(again.status, VenueCallStatus::ACCEPTED);
    EXPECT_NE(again.detail.find("already canceled"), std::string::npos) << again.detail;
    EXPECT_EQ(pair.sim.stats().cancels, 1u);
    // Cancelling an order the venue never had: refused.
    cancel.client_order_id = Id("never-sent");
    EXPECT_EQ(pair.adapter->cancel_order(cancel).status, VenueCallStatus::REJECTED);
}

TEST(BingxRoundTrip, CancelOfAFilledOrderIsRefusedAndReportsTheFill) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    ASSERT_EQ(pair.adapter->submit_order(order("filled-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    CancelRequest cancel;
    cancel.client_order_id = Id("filled-1");
    cancel.asset = AssetName("BTCUSDT");
    const auto refused = pair.adapter->cancel_order(cancel);
    EXPECT_EQ(refused.status, VenueCallStatus::REJECTED);
    EXPECT_NE(refused.detail.find("FILLED"), std::string::npos) << refused.detail;
}

TEST(BingxRoundTrip, CancelAllCancelsEveryWorkingOrder) {
    auto config = sim_config();
    config.partial_fill_ratio = 0.0;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    for (const char* coid : {"ca-1", "ca-2", "ca-3"}) {
        ASSERT_EQ(pair.adapter->submit_order(order(coid, TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
                  VenueCallStatus::ACCEPTED);
    }
    const auto canceled = pair.adapter->cancel_all("BTCUSDT");
    ASSERT_TRUE(canceled.ok()) << canceled.detail;
    EXPECT_EQ(canceled.value.size(), 3u);
    for (const VenueOrder& venue_order : canceled.value) EXPECT_EQ(venue_order.status, VenueOrderStatus::CANCELED);
    const auto open = pair.adapter->open_orders("BTCUSDT");
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open.value.empty());
    EventLog log;
    EXPECT_TRUE(drain_until(*pair.adapter, log, [&] {
        return log.is_done("ca-1") && log.is_done("ca-2") && log.is_done("ca-3");
    }));
}

TEST(BingxRoundTrip, QueryOrderFindsKnownOrdersAndSaysNoneForUnknownOnes) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    ASSERT_EQ(pair.adapter->submit_order(order("q-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.0042", "48000.05")).status,
              VenueCallStatus::ACCEPTED);
    const auto known = pair.adapter->query_order("BTCUSDT", "q-1");
    ASSERT_TRUE(known.ok()) << known.detail;
    ASSERT_TRUE(known.value.has_value());
    EXPECT_EQ(known.value->status, VenueOrderStatus::FILLED);
    EXPECT_EQ(known.value->cum_filled_qty, dec("0.0042"));
    EXPECT_EQ(known.value->avg_fill_price, dec("48000")); // the price went out truncated to the tick
    EXPECT_EQ(known.value->cum_fee, dec("0.0042").mul(dec("48000")).mul(dec("0.0005")));
    EXPECT_EQ(known.value->purpose, OrderPurpose::ENTRY);
    EXPECT_EQ(known.value->asset, AssetName("BTCUSDT"));
    const auto unknown = pair.adapter->query_order("BTCUSDT", "nobody");
    ASSERT_TRUE(unknown.ok()) << unknown.detail;
    EXPECT_FALSE(unknown.value.has_value());
}

TEST(BingxRoundTrip, LeverageIsReadSetAndCheckedAgainstTheMaximum) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    const auto set = pair.adapter->set_leverage("BTCUSDT", TradeSide::SHORT, 7);
    ASSERT_TRUE(set.ok()) << set.detail;
    const auto read = pair.adapter->leverage("BTCUSDT");
    ASSERT_TRUE(read.ok()) << read.detail;
    EXPECT_EQ(read.value.short_leverage, 7);
    EXPECT_EQ(read.value.long_leverage, 10);
    const auto too_high = pair.adapter->set_leverage("BTCUSDT", TradeSide::LONG, 500);
    EXPECT_EQ(too_high.status, VenueCallStatus::REJECTED);
    EXPECT_NE(too_high.detail.find("101414"), std::string::npos) << too_high.detail;
    // An entry sets the position side's leverage from the request (5 here).
    ASSERT_EQ(pair.adapter->submit_order(order("lev-e", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.adapter->leverage("BTCUSDT").value.long_leverage, 5);
}

TEST(BingxRoundTrip, MarkPriceIsReadAndCanBeQueuedAsAnEvent) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    ASSERT_TRUE(pair.sim.set_mark_price("BTC-USDT", "61234.5"));
    const auto mark = pair.adapter->mark_price("BTCUSDT");
    ASSERT_TRUE(mark.ok()) << mark.detail;
    EXPECT_EQ(mark.value, dec("61234.5"));
    ASSERT_TRUE(pair.adapter->poll_mark_price("BTCUSDT").ok());
    EventLog log;
    pair.adapter->drain_events(log);
    ASSERT_EQ(log.events.size(), 1u);
    EXPECT_EQ(log.events[0].kind, KernelEventKind::MARK_PRICE);
    EXPECT_EQ(log.events[0].price, dec("61234.5"));
    EXPECT_EQ(log.events[0].asset, AssetName("BTCUSDT"));
}

TEST(BingxRoundTrip, VenueRefusalsComeBackRejectedWithTheBingxCode) {
    auto config = sim_config();
    config.reject_entries = true;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    const auto refused = pair.adapter->submit_order(order("rej-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001"));
    EXPECT_EQ(refused.status, VenueCallStatus::REJECTED);
    EXPECT_NE(refused.detail.find("101204"), std::string::npos) << refused.detail;
    EXPECT_EQ(pair.sim.stats().orders_created, 0u);
    // Below the minimum notional (2 USDT): the venue refuses.
    pair.sim.set_rejects(false, false, 101204);
    const auto tiny = pair.adapter->submit_order(order("tiny-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.0001", "100"));
    EXPECT_EQ(tiny.status, VenueCallStatus::REJECTED);
    // Closing what is not open: refused (80017).
    const auto nothing = pair.adapter->submit_order(order("x-none", TradeSide::LONG, OrderPurpose::EXIT, "0.001"));
    EXPECT_EQ(nothing.status, VenueCallStatus::REJECTED);
    EXPECT_NE(nothing.detail.find("80017"), std::string::npos) << nothing.detail;
}

TEST(BingxRoundTrip, LocalChecksRefuseBeforeSending) {
    SimPair pair(sim_config(), [](BingxConfig& config) {
        config.order_qty_max = Decimal::from_raw(1'000'000); // 0.01
        config.order_notional_max = Decimal::from_units(1000);
    });
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    const auto requests_before = pair.sim.stats().signed_requests;
    EXPECT_EQ(pair.adapter->submit_order(order("lot-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.00005")).status,
              VenueCallStatus::REJECTED); // off the 0.0001 lot step
    EXPECT_EQ(pair.adapter->submit_order(order("cap-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.02")).status,
              VenueCallStatus::REJECTED); // above the quantity cap
    EXPECT_EQ(pair.adapter->submit_order(order("cap-2", TradeSide::LONG, OrderPurpose::ENTRY, "0.01", "200000")).status,
              VenueCallStatus::REJECTED); // notional 2000 above the cap
    EXPECT_EQ(pair.adapter->submit_order(order("Bad Id!", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::REJECTED);
    auto unknown_asset = order("ua-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001");
    unknown_asset.asset = AssetName("ETHUSDT");
    EXPECT_EQ(pair.adapter->submit_order(unknown_asset).status, VenueCallStatus::REJECTED);
    EXPECT_EQ(pair.sim.stats().signed_requests, requests_before);
}

TEST(BingxRoundTrip, ASecondSubmitOfTheSameClientOrderIdNeverMakesASecondOrder) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    const auto request = order("dup-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001");
    const auto first = pair.adapter->submit_order(request);
    ASSERT_EQ(first.status, VenueCallStatus::ACCEPTED);
    const auto second = pair.adapter->submit_order(request);
    EXPECT_EQ(second.status, VenueCallStatus::ACCEPTED);
    EXPECT_EQ(second.venue_order_id, first.venue_order_id);
    EXPECT_EQ(pair.sim.stats().orders_created, 1u);
    // Upper-case ids are the same order: the exchange lower-cases them.
    auto upper = request;
    upper.client_order_id = Id("DUP-1");
    EXPECT_EQ(pair.adapter->submit_order(upper).status, VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.sim.stats().orders_created, 1u);
}

TEST(BingxRoundTrip, WrongSecretOrKeyIsRefusedByTheVenue) {
    bingx_sim::Simulator sim(sim_config());
    ASSERT_TRUE(sim.start().ok());
    BingxConfig config = adapter_config(sim, sim_config());
    config.start_stream = false;
    config.credentials = Credentials("dita-sim-key", "not-the-secret");
    // Finding 4: start() proves the keys; refused ones stop it, in BingX's own words.
    BingxVenueAdapter checked(config);
    const auto refused = checked.start();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, "KEYS_REFUSED");
    EXPECT_NE(refused.error().detail.find("100001"), std::string::npos) << refused.error().detail;
    EXPECT_EQ(refused.error().detail.find("not-the-secret"), std::string::npos);
    config.credentials = Credentials("some-other-key", "dita-sim-secret");
    BingxVenueAdapter checked_key(config);
    const auto refused_key = checked_key.start();
    ASSERT_FALSE(refused_key.ok());
    EXPECT_EQ(refused_key.error().code, "KEYS_REFUSED");
    EXPECT_NE(refused_key.error().detail.find("100413"), std::string::npos) << refused_key.error().detail;

    // Without the check, each call is refused by the venue all the same.
    config.check_account = false;
    config.credentials = Credentials("dita-sim-key", "not-the-secret");
    BingxVenueAdapter adapter(config);
    ASSERT_TRUE(adapter.start().ok());
    const auto bad_secret = adapter.submit_order(order("auth-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001"));
    EXPECT_EQ(bad_secret.status, VenueCallStatus::REJECTED);
    EXPECT_NE(bad_secret.detail.find("100001"), std::string::npos) << bad_secret.detail;
    EXPECT_EQ(bad_secret.detail.find("not-the-secret"), std::string::npos);

    config.credentials = Credentials("some-other-key", "dita-sim-secret");
    BingxVenueAdapter other(config);
    ASSERT_TRUE(other.start().ok());
    const auto bad_key = other.positions("BTCUSDT");
    EXPECT_EQ(bad_key.status, VenueCallStatus::REJECTED);
    EXPECT_NE(bad_key.detail.find("100413"), std::string::npos) << bad_key.detail;
    EXPECT_EQ(sim.stats().orders_created, 0u);
    EXPECT_GE(sim.stats().auth_failures, 2u);
}

TEST(BingxRoundTrip, StartWithoutKeysSaysWhichVariablesToSet) {
    bingx_sim::Simulator sim(sim_config());
    ASSERT_TRUE(sim.start().ok());
    BingxConfig config = adapter_config(sim, sim_config());
    config.credentials = Credentials();
    BingxVenueAdapter adapter(config);
    const auto started = adapter.start();
    EXPECT_FALSE(started.ok());
    EXPECT_NE(started.error().detail.find("BINGX_API_KEY"), std::string::npos) << started.error().detail;
    EXPECT_NE(started.error().detail.find("BINGX_API_SECRET"), std::string::npos) << started.error().detail;
}

TEST(BingxRoundTrip, PlainTextStreamFramesAreAcceptedAndPingsAreAnswered) {
    auto config = sim_config();
    config.gzip = false;
    config.ping_interval_ms = 30;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    ASSERT_EQ(pair.adapter->submit_order(order("txt-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    ASSERT_TRUE(drain_until(*pair.adapter, log, [&] {
        return log.is_done("txt-1") && pair.sim.stats().pongs_received >= 3;
    }));
    EXPECT_GE(pair.adapter->stats().pings_answered, 3u);
    EXPECT_EQ(pair.adapter->stats().stream_parse_errors, 0u);
}

TEST(BingxRoundTrip, GzipPingsAreAnsweredWithPong) {
    auto config = sim_config();
    config.ping_interval_ms = 30;
    SimPair pair(config);
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EventLog log;
    EXPECT_TRUE(drain_until(*pair.adapter, log, [&] { return pair.sim.stats().pongs_received >= 3; }));
}

TEST(BingxRoundTrip, StopDeletesTheListenKey) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    pair.adapter->stop();
    EXPECT_EQ(pair.sim.stats().listen_keys_deleted, 1u);
    pair.adapter->stop(); // idempotent
    EXPECT_EQ(pair.sim.stats().listen_keys_deleted, 1u);
}

TEST(BingxRoundTrip, NonLoopbackHostsNeedAnExplicitLiveOptIn) {
    BingxConfig config;
    config.credentials = Credentials("k", "s");
    EXPECT_THROW(BingxVenueAdapter{config}, std::invalid_argument); // the real host, no allow_live
    BingxAdapterOptions options;
    options.rest_url = std::string(demo_rest_url);
    options.credentials = Credentials("k", "s");
    const auto made = make_bingx_adapter(options);
    EXPECT_FALSE(made.ok());
    EXPECT_NE(made.error().detail.find("allow_live"), std::string::npos) << made.error().detail;
    config.rest_url = "ftp://example";
    config.allow_live = true;
    EXPECT_THROW(BingxVenueAdapter{config}, std::invalid_argument);
    config.allow_live = false;
    config.rest_url = "http://[::1]:8080";
    config.ws_url = "ws://localhost:8080/swap-market";
    EXPECT_NO_THROW(BingxVenueAdapter{config}); // loopback in both spellings
    config.rest_url = "http://[::1:8080";
    EXPECT_THROW(BingxVenueAdapter{config}, std::invalid_argument);
    config.rest_url = "http://user:pw@127.0.0.1:8080";
    EXPECT_THROW(BingxVenueAdapter{config}, std::invalid_argument);
    config.rest_url = "http://127.0.0.1:80x";
    EXPECT_THROW(BingxVenueAdapter{config}, std::invalid_argument);
}

TEST(BingxRoundTrip, FactoryBuildsAStartedAdapterFromAUrlAndKeys) {
    bingx_sim::Simulator sim(sim_config());
    ASSERT_TRUE(sim.start().ok());
    BingxAdapterOptions options;
    options.rest_url = sim.rest_url(); // ws URL derived: ws://127.0.0.1:<port>/swap-market
    options.credentials = Credentials("dita-sim-key", "dita-sim-secret");
    options.send_price_with_market = true;
    auto made = make_bingx_adapter(options);
    ASSERT_TRUE(made.ok()) << made.error().detail;
    EXPECT_TRUE((*made)->stream_connected());
    EXPECT_EQ((*made)->submit_order(order("fac-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    made->reset();
    sim.stop();
    // The simulator gone: the factory reports it, no adapter.
    const auto failed = make_bingx_adapter(options);
    EXPECT_FALSE(failed.ok());
    EXPECT_FALSE(failed.error().detail.empty());
}

TEST(BingxRoundTrip, HttpsAndWssWithAVerifiedCertificate) {
    auto config = sim_config();
    config.tls = true; // a self-signed certificate for 127.0.0.1 and localhost
    bingx_sim::Simulator sim(config);
    ASSERT_TRUE(sim.start().ok());
    EXPECT_EQ(sim.rest_url().rfind("https://", 0), 0u);
    EXPECT_EQ(sim.ws_url().rfind("wss://", 0), 0u);
    BingxConfig adapter_cfg = adapter_config(sim, config);
    adapter_cfg.request_timeout_ms = 5000; // handshakes on a loaded machine
    adapter_cfg.tls_ca_pem = sim.tls_certificate_pem();
    BingxVenueAdapter adapter(adapter_cfg);
    const auto started = adapter.start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    EXPECT_TRUE(adapter.stream_connected());
    EventLog log;
    ASSERT_EQ(adapter.submit_order(order("tls-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_TRUE(drain_until(adapter, log, [&] { return log.is_done("tls-1") && log.cum_fee("tls-1").is_positive(); }));
    // The fill came over wss too (the server counts a frame once its write completes).
    EXPECT_TRUE(drain_until(adapter, log, [&] { return sim.stats().stream_frames_sent >= 2; }));
    EXPECT_GE(adapter.stats().stream_order_updates, 1u);

    // The same server, not trusted: the handshake fails and nothing is sent.
    BingxConfig untrusted = adapter_config(sim, config);
    untrusted.request_timeout_ms = 5000;
    BingxVenueAdapter refused(untrusted);
    const auto failed = refused.start();
    EXPECT_FALSE(failed.ok());
    EXPECT_NE(failed.error().detail.find("certificate verify failed"), std::string::npos) << failed.error().detail;
    // Verification off (never for live use): it connects.
    untrusted.tls_verify = false;
    BingxVenueAdapter unchecked(untrusted);
    EXPECT_TRUE(unchecked.start().ok());
}

TEST(BingxRoundTrip, AnUnreachableVenueIsUnavailableNotUnknown) {
    bingx_sim::Simulator sim(sim_config());
    ASSERT_TRUE(sim.start().ok());
    BingxConfig config = adapter_config(sim, sim_config());
    BingxVenueAdapter adapter(config);
    ASSERT_TRUE(adapter.start().ok());
    sim.stop(); // nothing listens on the port any more
    const auto result = adapter.submit_order(order("gone-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001"));
    EXPECT_EQ(result.status, VenueCallStatus::UNAVAILABLE) << result.detail;
    const auto query = adapter.open_orders("BTCUSDT");
    EXPECT_EQ(query.status, VenueCallStatus::UNAVAILABLE);
}

} // namespace
} // namespace dita::bingx
