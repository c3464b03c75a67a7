// Issue 11's findings, each as a test: the stream host, client order ids that never repeat on
// an account that outlives runs, adoption only of the order provably sent, the account checked
// at start (keys, position mode, starting state), and live runs that start from the baseline.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <unistd.h>

#include "bingx_test_support.hpp"
#include "dita/chaos/bingx_venue_factory.hpp"
#include "dita/chaos/suite.hpp"
#include "dita/kernel/kernel.hpp"

namespace dita::bingx {
namespace {

using namespace testing;

// Finding 1: the stream host follows the REST host, and is never guessed for an unknown one.
TEST(BingxAccount, StreamHostIsPairedWithTheRestHost) {
    EXPECT_EQ(stream_url_for("https://open-api.bingx.com").value(), std::string(live_ws_url));
    EXPECT_EQ(stream_url_for("https://open-api-vst.bingx.com").value(), std::string(demo_ws_url));
    EXPECT_EQ(stream_url_for("http://127.0.0.1:8123").value(), "ws://127.0.0.1:8123/swap-market");
    const auto unknown = stream_url_for("https://api.example.com");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, "STREAM_HOST_UNKNOWN");
    EXPECT_NE(unknown.error().detail.find("--bingx-ws-url"), std::string::npos);
}

// Finding 2: a kernel with a prefix makes "<prefix>-<intent>" ids, hashed to fit when long.
TEST(BingxAccount, ClientOrderIdsCarryTheRunsPrefix) {
    EXPECT_TRUE(valid_client_order_id_prefix("mb2x9k1q.3"));
    EXPECT_FALSE(valid_client_order_id_prefix("Has-Upper"));
    EXPECT_FALSE(valid_client_order_id_prefix(std::string(21, 'a')));
}

// Finding 2: an order found under our id that is not the one we sent is a stranger: the
// submit is refused (the venue holds the id), never turned into a fill.
TEST(BingxAccount, AnOlderOrderUnderTheSameIdIsNeverAdopted) {
    SimPair pair;
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    ASSERT_EQ(pair.adapter->submit_order(order("old-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);

    // Another run (fresh tracking) reuses the id; its send's answer is lost and nothing acts.
    BingxConfig config = adapter_config(pair.sim, pair.sim_config_);
    config.call_timeout_ms = 1500;
    BingxVenueAdapter later(config);
    ASSERT_TRUE(later.start().ok());
    bingx_sim::SimFaults lost;
    lost.http_5xx_rate = 1.0;
    lost.execute_on_fault = 0.0;
    pair.sim.set_faults(lost);
    const auto first = later.submit_order(order("old-1", TradeSide::SHORT, OrderPurpose::ENTRY, "0.002"));
    EXPECT_EQ(first.status, VenueCallStatus::UNKNOWN) << first.detail;
    pair.sim.set_faults(bingx_sim::SimFaults{});
    // The retry asks the venue first and finds the older order: not ours.
    const auto retried = later.submit_order(order("old-1", TradeSide::SHORT, OrderPurpose::ENTRY, "0.002"));
    EXPECT_EQ(retried.status, VenueCallStatus::REJECTED) << retried.detail;
    EXPECT_NE(retried.detail.find("not ours"), std::string::npos) << retried.detail;
    EXPECT_EQ(later.stats().strangers, 1u);
    EXPECT_EQ(later.stats().orders_resolved_by_query, 0u);
    const auto short_side = later.positions("BTCUSDT");
    ASSERT_TRUE(short_side.ok());
    for (const VenuePosition& position : short_side.value) EXPECT_EQ(position.side, TradeSide::LONG);
}

// Finding 4: the account's position mode is read and used, or refused when asked to be fixed.
TEST(BingxAccount, AOneWayAccountIsReadAtStartAndTradedInOneWayMode) {
    bingx_sim::SimConfig one_way = sim_config();
    one_way.hedge_mode = false;
    SimPair pair(one_way, [](BingxConfig& config) { config.position_mode = PositionMode::HEDGE; });
    ASSERT_TRUE(pair.start_result.ok()) << pair.start_result.error().detail;
    EXPECT_EQ(pair.adapter->position_mode(), PositionMode::ONE_WAY);
    ASSERT_TRUE(pair.adapter->starting_account().has_value());
    EXPECT_EQ(pair.adapter->starting_account()->position_mode, PositionMode::ONE_WAY);
    EXPECT_EQ(pair.adapter->submit_order(order("ow-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_EQ(pair.adapter->submit_order(order("ow-2", TradeSide::LONG, OrderPurpose::EXIT, "0.001")).status,
              VenueCallStatus::ACCEPTED);
    EXPECT_TRUE(pair.sim.positions().empty() || pair.sim.positions().front().amount.is_zero());

    SimPair strict(one_way, [](BingxConfig& config) {
        config.position_mode = PositionMode::HEDGE;
        config.follow_account_position_mode = false;
    });
    ASSERT_FALSE(strict.start_result.ok());
    EXPECT_EQ(strict.start_result.error().code, "POSITION_MODE");
    EXPECT_NE(strict.start_result.error().detail.find("one-way"), std::string::npos);

    // The simulator refuses LONG/SHORT leverage on a one-way account, as BingX does.
    SimPair blind(one_way, [](BingxConfig& config) {
        config.position_mode = PositionMode::HEDGE;
        config.check_account = false;
    });
    ASSERT_TRUE(blind.start_result.ok());
    EXPECT_EQ(blind.adapter->set_leverage("BTCUSDT", TradeSide::LONG, 5).status, VenueCallStatus::REJECTED);
}

// Finding 4: start() records what the account held before this adapter traded.
TEST(BingxAccount, StartRecordsTheStartingPositionsAndOrders) {
    SimPair first;
    ASSERT_TRUE(first.start_result.ok());
    ASSERT_EQ(first.adapter->submit_order(order("held-1", TradeSide::LONG, OrderPurpose::ENTRY, "0.003")).status,
              VenueCallStatus::ACCEPTED);
    BingxVenueAdapter second(adapter_config(first.sim, first.sim_config_));
    ASSERT_TRUE(second.start().ok());
    const auto account = second.starting_account();
    ASSERT_TRUE(account.has_value());
    ASSERT_EQ(account->positions.size(), 1u);
    EXPECT_EQ(account->positions.front().size, dec("0.003"));
    EXPECT_TRUE(account->balance.balance.is_positive());
}

// Findings 2 and 3 through the chaos layer: two "processes" (two factories) on one persistent
// simulated account both pass every built-in, each scenario starting from the baseline and
// trading; no client order id repeats (the simulator refuses a reused one).
TEST(BingxAccount, TwoSeriesOnOnePersistentAccountBothPassAndTrade) {
    const std::filesystem::path state =
        std::filesystem::temp_directory_path() / ("dita-bingx-account-" + std::to_string(::getpid()) + ".json");
    std::filesystem::remove(state);
    for (int series = 0; series < 2; ++series) {
        chaos::SuiteOptions suite;
        suite.stack.time = chaos::TimeMode::WALL;
        chaos::BingxChaosOptions options;
        options.sim_state_path = state.string();
        options.request_timeout_ms = 500;
        options.quiet_ms = 50;
        suite.venue_factory = chaos::bingx_chaos_venue_factory(options);
        for (const chaos::ChaosScenario& scenario : chaos::builtin_scenarios()) {
            const chaos::ScenarioReport report = chaos::run_scenario_and_check(scenario, suite);
            EXPECT_TRUE(report.passed) << "series " << series << ": " << scenario.name << ": " << report.run.failure_reason;
        }
    }
    // Every order the account ever had has an id of its own, and they came from both series.
    bingx_sim::SimConfig config = sim_config();
    config.state_path = state.string();
    bingx_sim::Simulator account(config);
    std::set<std::string> ids;
    std::set<std::string> epochs_and_runs;
    for (const bingx_sim::SimOrder& placed : account.orders()) {
        EXPECT_TRUE(ids.insert(placed.client_order_id).second) << placed.client_order_id;
        epochs_and_runs.insert(placed.client_order_id.substr(0, placed.client_order_id.find('-')));
    }
    EXPECT_GT(ids.size(), 20u);
    EXPECT_GT(epochs_and_runs.size(), chaos::builtin_scenarios().size());
    std::filesystem::remove(state);
}

} // namespace
} // namespace dita::bingx
