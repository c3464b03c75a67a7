// The chaos layer through the real protocol: every built-in scenario run by the orchestrator
// on BingxVenueAdapter + the simulator (wall-clock time), with the simulator's faults on, and
// every invariant checked.
#include <gtest/gtest.h>

#include "dita/chaos/suite.hpp"
#include "dita/chaos/bingx_venue_factory.hpp"

namespace dita::bingx {
namespace {

using chaos::bingx_chaos_venue_factory;
using chaos::BingxChaosOptions;
using chaos::BingxChaosTally;
using chaos::sim_config_for;

chaos::SuiteOptions suite_for(std::optional<bingx_sim::SimFaults> faults, std::shared_ptr<BingxChaosTally> tally) {
    chaos::SuiteOptions suite;
    suite.stack.time = chaos::TimeMode::WALL;
    BingxChaosOptions options;
    options.extra_faults = faults;
    options.tally = std::move(tally);
    options.request_timeout_ms = 500;
    options.quiet_ms = 50;
    suite.venue_factory = bingx_chaos_venue_factory(options);
    return suite;
}

std::string failures(const chaos::ScenarioReport& report) {
    std::string out;
    if (report.setup_error) out += "setup: " + report.setup_error->message() + "; ";
    for (const auto& check : report.checks) {
        if (!check.passed) out += check.name + ": " + check.detail + "; ";
    }
    return out;
}

TEST(BingxChaos, EveryBuiltInScenarioPassesOnTheSimulator) {
    auto tally = std::make_shared<BingxChaosTally>();
    const chaos::SuiteOptions suite = suite_for(std::nullopt, tally);
    for (const chaos::ChaosScenario& scenario : chaos::builtin_scenarios()) {
        const chaos::ScenarioReport report = chaos::run_scenario_and_check(scenario, suite);
        EXPECT_TRUE(report.passed) << scenario.name << ": " << failures(report);
        EXPECT_FALSE(report.checks.empty()) << scenario.name;
    }
    EXPECT_EQ(tally->runs, chaos::builtin_scenarios().size());
    EXPECT_GT(tally->orders_created, 10u);
    EXPECT_EQ(tally->faults_injected, 0u);
}

TEST(BingxChaos, EveryBuiltInScenarioPassesWithTheSimulatorsFaultsOn) {
    auto tally = std::make_shared<BingxChaosTally>();
    // Every fault at a modest rate, the stream ones higher: this many orders meet several.
    bingx_sim::SimFaults faults = bingx_sim::moderate_faults(500);
    faults.stream_duplicate_rate = 0.4;
    faults.stream_delay_rate = 0.4;
    faults.http_5xx_rate = 0.1;
    const chaos::SuiteOptions suite = suite_for(faults, tally);
    for (const chaos::ChaosScenario& scenario : chaos::builtin_scenarios()) {
        const chaos::ScenarioReport report = chaos::run_scenario_and_check(scenario, suite);
        EXPECT_TRUE(report.passed) << scenario.name << ": " << failures(report);
    }
    EXPECT_GT(tally->faults_injected, 5u);
}

TEST(BingxChaos, SettingsTheExchangeCannotHaveAreRefused) {
    chaos::VenueSettings settings;
    settings.lot_step = 0.005;
    const auto refused = sim_config_for(settings);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().place, "venue.lot_step");
    settings.lot_step = 0.001;
    settings.assets = {"BTCEUR"};
    EXPECT_FALSE(sim_config_for(settings).ok());
    settings.assets = {"BTCUSDT"};
    settings.drop_probability = 0.2;
    const auto mapped = sim_config_for(settings);
    ASSERT_TRUE(mapped.ok());
    EXPECT_EQ(mapped.value().contracts.front().symbol, "BTC-USDT");
    EXPECT_EQ(mapped.value().contracts.front().quantity_precision, 3);
    EXPECT_DOUBLE_EQ(mapped.value().faults.stream_drop_rate, 0.2);
}

TEST(BingxChaos, ARealHostNeedsTheLiveFlagAndCaps) {
    BingxChaosOptions options;
    options.simulator = false;
    options.rest_url = std::string(demo_rest_url);
    const VirtualClock clock;
    auto made = bingx_chaos_venue_factory(options)(chaos::VenueSettings{}, clock);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().reason.find("--live"), std::string::npos) << made.error().reason;
    options.live = true;
    made = bingx_chaos_venue_factory(options)(chaos::VenueSettings{}, clock);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().reason.find("caps"), std::string::npos) << made.error().reason;
}

} // namespace
} // namespace dita::bingx
