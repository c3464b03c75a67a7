// Built-in scenarios (the seed's ten, its groups, its venue settings) and scenario files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "dita/chaos/scenario.hpp"
#include "dita/chaos/scenario_io.hpp"

namespace dita::chaos {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

std::vector<std::string> names_of(std::span<const ChaosScenario> list) {
    std::vector<std::string> out;
    for (const ChaosScenario& one : list) out.push_back(one.name);
    return out;
}

ChaosStep step(ChaosAction action, double delay) {
    ChaosStep out;
    out.action = action;
    out.delay_before = delay;
    return out;
}

TEST(Builtins, AreTheSeedsTenInTheSeedsOrder) {
    EXPECT_THAT(names_of(builtin_scenarios()),
                ElementsAre("rapid_entry_exit", "two_leg_rapid", "competing_cancel", "cancel_after_fill",
                            "entry_then_mark", "entry_reconcile_exit", "size_at_lot_boundary", "zero_size_entry",
                            "negative_price_entry", "entry_exit_10x"));
    EXPECT_THAT(names_of(all_scenarios()), ElementsAre("rapid_entry_exit", "two_leg_rapid", "entry_then_mark",
                                                       "size_at_lot_boundary", "entry_exit_10x"));
    EXPECT_THAT(names_of(edge_case_scenarios()), ElementsAre("zero_size_entry", "negative_price_entry"));
    EXPECT_THAT(names_of(reject_scenarios()), ElementsAre("reject_entry", "reject_exit"));
}

TEST(Builtins, StepDefaultsAreTheSeeds) {
    const ChaosStep defaults;
    EXPECT_EQ(defaults.side, TradeSide::SHORT);
    EXPECT_EQ(defaults.target_size, 0.01);
    EXPECT_EQ(defaults.reference_price, 100.0);
    EXPECT_EQ(defaults.leverage, 1.0);
    EXPECT_THAT(defaults.exit_leg_ratios, ElementsAre(1.0));
    EXPECT_EQ(defaults.reason, "chaos");
    EXPECT_EQ(defaults.delay_before, 0.0);
}

TEST(Builtins, StepsAreTheSeeds) {
    const ChaosScenario& rapid = *find_scenario("rapid_entry_exit");
    EXPECT_EQ(rapid.steps, (std::vector<ChaosStep>{step(ChaosAction::ENTER, 0.0), step(ChaosAction::EXIT, 0.01)}));

    const ChaosScenario& two_leg = *find_scenario("two_leg_rapid");
    ASSERT_EQ(two_leg.steps.size(), 3u);
    EXPECT_THAT(two_leg.steps[0].exit_leg_ratios, ElementsAre(0.5, 1.0));
    EXPECT_EQ(two_leg.steps[1].target_size, 0.005);
    EXPECT_EQ(two_leg.steps[2].target_size, 0.005);

    const ChaosScenario& cancel_after_fill = *find_scenario("cancel_after_fill");
    EXPECT_EQ(cancel_after_fill.steps,
              (std::vector<ChaosStep>{step(ChaosAction::ENTER, 0.0), step(ChaosAction::CANCEL, 0.001),
                                      step(ChaosAction::EXIT, 0.001)}));
    EXPECT_EQ(find_scenario("entry_then_mark")->steps[1].reference_price, 99.5);
    EXPECT_EQ(find_scenario("entry_reconcile_exit")->steps[1].action, ChaosAction::RECONCILE);
    EXPECT_EQ(find_scenario("size_at_lot_boundary")->steps[0].target_size, 0.001);
    EXPECT_EQ(find_scenario("size_at_lot_boundary")->steps[1].target_size, 0.001);
    EXPECT_EQ(find_scenario("zero_size_entry")->steps[0].target_size, 0.0);
    EXPECT_EQ(find_scenario("negative_price_entry")->steps[0].reference_price, -1.0);

    const ChaosScenario& loop = *find_scenario("entry_exit_10x");
    ASSERT_EQ(loop.steps.size(), 20u);
    for (std::size_t i = 0; i < loop.steps.size(); ++i) {
        EXPECT_EQ(loop.steps[i].action, i % 2 == 0 ? ChaosAction::ENTER : ChaosAction::EXIT);
        EXPECT_EQ(loop.steps[i].delay_before, 0.005);
        EXPECT_EQ(loop.steps[i].reason, "chaos_cycle_" + std::to_string(i / 2));
    }
}

TEST(Builtins, VenueSettingsAreTheSeeds) {
    for (const ChaosScenario& one : builtin_scenarios()) {
        const bool partial = one.name == "competing_cancel" || one.name == "cancel_after_fill" ||
                             one.name == "entry_reconcile_exit";
        VenueSettings expected;
        if (partial) expected.partial_fill_ratio = 0.5;
        EXPECT_EQ(one.venue, expected) << one.name;
    }
    EXPECT_TRUE(find_scenario("reject_entry")->venue.reject_entries);
    EXPECT_EQ(find_scenario("reject_entry")->steps, find_scenario("competing_cancel")->steps);
    EXPECT_TRUE(find_scenario("reject_exit")->venue.cancel_reject);
    EXPECT_EQ(find_scenario("reject_exit")->steps, find_scenario("cancel_after_fill")->steps);
    EXPECT_EQ(find_scenario("nope"), nullptr);
    EXPECT_THAT(scenario_groups("rapid_entry_exit"), ElementsAre("ALL"));
    EXPECT_THAT(scenario_groups("zero_size_entry"), ElementsAre("EDGE_CASE"));
    EXPECT_THAT(scenario_groups("reject_exit"), ElementsAre("REJECT"));
}

TEST(StepToIntent, FollowsTheSeedsNaming) {
    ChaosStep exit = step(ChaosAction::EXIT, 0.0);
    exit.metadata = {{"k", "v"}};
    const KernelIntent intent = step_to_intent(exit, 1, 7, 123);
    EXPECT_EQ(intent.intent_id, "chaos-7-exit");
    EXPECT_EQ(intent.trade_id, "chaos-trade-7");
    EXPECT_EQ(intent.asset, "BTCUSDT");
    EXPECT_EQ(intent.slot_id, 1);
    EXPECT_EQ(intent.action, KernelCommandType::EXIT);
    EXPECT_EQ(intent.side, TradeSide::SHORT);
    EXPECT_EQ(intent.timestamp_ns, 123);
    EXPECT_EQ(intent.metadata.at("k"), "v");
    EXPECT_EQ(step_to_intent(step(ChaosAction::MARK_PRICE, 0), 0, 2, 0).intent_id, "chaos-2-mark_price");
    EXPECT_EQ(command_for(ChaosAction::WAIT), KernelCommandType::MARK_PRICE); // the seed's .get default
}

// --- files --------------------------------------------------------------------------------------

TEST(ScenarioFiles, ShippedFilesEqualTheBuiltins) {
    const std::filesystem::path dir = std::filesystem::path(DITA_SOURCE_DIR) / "scenarios";
    std::set<std::string> expected;
    for (const ChaosScenario& one : builtin_scenarios()) expected.insert(one.name);
    for (const ChaosScenario& one : reject_scenarios()) expected.insert(one.name);
    for (const ChaosScenario& one : field_scenarios()) expected.insert(one.name);
    std::set<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") continue;
        auto loaded = load_scenario_file(entry.path().string());
        ASSERT_TRUE(loaded.ok()) << loaded.error().message();
        ASSERT_EQ(loaded.value().size(), 1u) << entry.path();
        const ChaosScenario& scenario = loaded.value().front();
        EXPECT_EQ(entry.path().stem().string(), scenario.name);
        const ChaosScenario* builtin = find_scenario(scenario.name);
        ASSERT_NE(builtin, nullptr) << "no built-in named " << scenario.name;
        EXPECT_EQ(scenario, *builtin) << entry.path();
        found.insert(scenario.name);
    }
    EXPECT_EQ(found, expected);
}

TEST(ScenarioFiles, RoundTripThroughJson) {
    std::vector<ChaosScenario> all(builtin_scenarios().begin(), builtin_scenarios().end());
    ChaosScenario custom;
    custom.name = "custom";
    custom.slot_id = 1;
    custom.venue.assets = {"BTCUSDT", "ETHUSDT"};
    custom.venue.seed = 9;
    ChaosStep wait = step(ChaosAction::WAIT, 600.0);
    ChaosStep enter = step(ChaosAction::ENTER, 0.25);
    enter.side = TradeSide::LONG;
    enter.leverage = 3;
    enter.metadata = {{"why", "test"}};
    custom.steps = {wait, enter};
    all.push_back(custom);
    const auto parsed = parse_scenarios(scenarios_to_json(all).dump(), "<memory>");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed.value(), all);
}

TEST(ScenarioFiles, VenueFaultSettingsRoundTrip) {
    const auto parsed = parse_scenarios(R"({"name": "faulty", "venue": {
        "seed": 99, "latency_ns": 2000000, "duplicate_probability": 0.25, "reorder_probability": 0.5,
        "drop_probability": 0.1, "delay_probability": 0.2, "delay_ns_max": 5000000,
        "submit_unknown_probability": 0.05, "cancel_unknown_probability": 0.05, "random_reject_probability": 0.1,
        "random_cancel_reject_probability": 0.1, "late_fill_on_cancel_probability": 0.3,
        "overfill_probability": 0.01, "short_fill_probability": 0.02, "random_partial_fills": true,
        "finished_orders_retained_max": 64},
        "steps": [{"action": "ENTER"}]})",
                                        "faulty.json");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const VenueSettings& venue = parsed.value().front().venue;
    EXPECT_EQ(venue.seed, 99u);
    EXPECT_EQ(venue.latency_ns, 2'000'000);
    EXPECT_EQ(venue.duplicate_probability, 0.25);
    EXPECT_EQ(venue.delay_ns_max, 5'000'000);
    EXPECT_EQ(venue.short_fill_probability, 0.02);
    EXPECT_TRUE(venue.random_partial_fills);
    EXPECT_EQ(venue.finished_orders_retained_max, 64u);
    const auto again = parse_scenarios(scenario_to_json(parsed.value().front()).dump(), "again.json");
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again.value(), parsed.value());
}

TEST(ScenarioFiles, MissingStepFieldsTakeTheDefaults) {
    const auto parsed = parse_scenarios(R"({"name": "x", "steps": [{"action": "ENTER"}]})", "x.json");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const ChaosScenario& scenario = parsed.value().front();
    EXPECT_EQ(scenario.steps.front(), step(ChaosAction::ENTER, 0.0));
    EXPECT_EQ(scenario.venue, VenueSettings{});
    EXPECT_EQ(scenario.slot_id, 0);
}

TEST(ScenarioFiles, MetadataScalarsKeepTheirJsonSpelling) {
    const auto parsed = parse_scenarios(
        R"({"name": "x", "steps": [{"action": "EXIT", "metadata": {"a": "s", "n": 1.5, "b": true, "z": null}}]})", "x.json");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const auto& metadata = parsed.value().front().steps.front().metadata;
    EXPECT_EQ(metadata.at("a"), "s");
    EXPECT_EQ(metadata.at("n"), "1.5");
    EXPECT_EQ(metadata.at("b"), "true");
    EXPECT_EQ(metadata.at("z"), "null");
}

struct Malformed {
    const char* label;
    const char* text;
    const char* place;
    const char* reason;
};

void PrintTo(const Malformed& c, std::ostream* os) { *os << c.label; }

class MalformedScenarioFile : public testing::TestWithParam<Malformed> {};

TEST_P(MalformedScenarioFile, IsRefusedWithTheFileThePlaceAndTheReason) {
    const Malformed& c = GetParam();
    const auto parsed = parse_scenarios(c.text, "bad.json");
    ASSERT_FALSE(parsed.ok()) << c.label;
    EXPECT_EQ(parsed.error().source, "bad.json");
    EXPECT_EQ(parsed.error().place, c.place) << parsed.error().message();
    EXPECT_THAT(parsed.error().reason, HasSubstr(c.reason)) << parsed.error().message();
    EXPECT_THAT(parsed.error().message(), HasSubstr("bad.json: "));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedScenarioFile,
    testing::Values(
        Malformed{"syntax", "{\"name\": \"x\",\n \"steps\": [}", "line 2, column 12", "invalid JSON"},
        Malformed{"empty", "", "line 1, column 1", "invalid JSON"},
        Malformed{"not an object", "[1, 2]", "(root)", "expected a scenario object"},
        Malformed{"no name", R"({"steps": [{"action": "ENTER"}]})", "/name", "missing field"},
        Malformed{"empty name", R"({"name": "", "steps": [{"action": "ENTER"}]})", "/name", "1 to 100 printable"},
        Malformed{"no steps", R"({"name": "x"})", "/steps (scenario 'x')", "missing field"},
        Malformed{"empty steps", R"({"name": "x", "steps": []})", "/steps (scenario 'x')", "1 to 20000 steps"},
        Malformed{"bad action", R"({"name": "x", "steps": [{"action": "ENTER"}, {"action": "SELL"}]})",
                  "/steps/1/action (scenario 'x', step 1, field action)",
                  "expected one of ENTER|EXIT|CANCEL|MARK_PRICE|RECONCILE|WAIT|RESTART, got string \"SELL\""},
        Malformed{"missing action", R"({"name": "x", "steps": [{"delay_before": 1}]})",
                  "/steps/0/action (scenario 'x', step 0, field action)", "missing field"},
        Malformed{"size as text", R"({"name": "x", "steps": [{"action": "ENTER", "target_size": "big"}]})",
                  "/steps/0/target_size (scenario 'x', step 0, field target_size)", "expected a number, got string \"big\""},
        Malformed{"negative delay", R"({"name": "x", "steps": [{"action": "WAIT", "delay_before": -1}]})",
                  "/steps/0/delay_before (scenario 'x', step 0, field delay_before)", "from 0 to 86400"},
        Malformed{"typo", R"({"name": "x", "steps": [{"action": "ENTER", "target_sise": 1}]})",
                  "/steps/0/target_sise (scenario 'x', step 0, field target_sise)", "unknown field"},
        Malformed{"bad side", R"({"name": "x", "steps": [{"action": "ENTER", "side": "long"}]})",
                  "/steps/0/side (scenario 'x', step 0, field side)", "expected one of LONG|SHORT"},
        Malformed{"bad legs", R"({"name": "x", "steps": [{"action": "ENTER", "exit_leg_ratios": [0.5, "1"]}]})",
                  "/steps/0/exit_leg_ratios/1 (scenario 'x', step 0, field exit_leg_ratios)", "expected a number"},
        Malformed{"nested metadata", R"({"name": "x", "steps": [{"action": "ENTER", "metadata": {"a": [1]}}]})",
                  "/steps/0/metadata/a (scenario 'x', step 0, field metadata)", "string, number, boolean or null"},
        Malformed{"slot out of range", R"({"name": "x", "slot_id": 2, "steps": [{"action": "ENTER"}]})",
                  "/slot_id (scenario 'x')", "from 0 to 1, got 2"},
        Malformed{"venue ratio", R"({"name": "x", "venue": {"partial_fill_ratio": 1.5}, "steps": [{"action": "ENTER"}]})",
                  "/venue/partial_fill_ratio (scenario 'x', venue field partial_fill_ratio)", "from 0 to 1, got 1.5"},
        Malformed{"venue typo", R"({"name": "x", "venue": {"reject_entry": true}, "steps": [{"action": "ENTER"}]})",
                  "/venue/reject_entry (scenario 'x', venue field reject_entry)", "unknown field"},
        Malformed{"venue lot", R"({"name": "x", "venue": {"lot_step": 0}, "steps": [{"action": "ENTER"}]})",
                  "/venue/lot_step (scenario 'x', venue field lot_step)", "from 1e-8 to 1e6"},
        Malformed{"venue bool", R"({"name": "x", "venue": {"cancel_reject": 1}, "steps": [{"action": "ENTER"}]})",
                  "/venue/cancel_reject (scenario 'x', venue field cancel_reject)", "expected true or false"},
        Malformed{"venue probability", R"({"name": "x", "venue": {"drop_probability": 2}, "steps": [{"action": "ENTER"}]})",
                  "/venue/drop_probability (scenario 'x', venue field drop_probability)", "probability from 0 to 1, got 2"},
        Malformed{"venue latency", R"({"name": "x", "venue": {"latency_ns": -1}, "steps": [{"action": "ENTER"}]})",
                  "/venue/latency_ns (scenario 'x', venue field latency_ns)", "from 0 to 86400000000000, got -1"},
        Malformed{"list not array", R"({"scenarios": {"name": "x"}})", "/scenarios", "expected an array"},
        Malformed{"list item", R"({"scenarios": [{"name": "a", "steps": [{"action": "ENTER"}]}, {"name": "b", "steps": [{"action": 3}]}]})",
                  "/scenarios/1/steps/0/action (scenario 'b', step 0, field action)", "got number 3"},
        Malformed{"list extra key", R"({"scenarios": [], "extra": 1})", "/extra", "unknown field"},
        Malformed{"duplicate names", R"({"scenarios": [{"name": "a", "steps": [{"action": "ENTER"}]}, {"name": "a", "steps": [{"action": "EXIT"}]}]})",
                  "/scenarios/1/name", "duplicate scenario name 'a' (also /scenarios/0)"},
        Malformed{"huge number", R"({"name": "x", "steps": [{"action": "ENTER", "leverage": 1e999}]})",
                  "line 1, column 57", "invalid JSON: number overflow parsing '1e999'"}),
    [](const testing::TestParamInfo<Malformed>& param_info) {
        std::string name = param_info.param.label;
        for (char& c : name) {
            if (c == ' ') c = '_';
        }
        return name;
    });

TEST(ScenarioFiles, UnreadableFileIsRefusedWithItsName) {
    const auto loaded = load_scenario_file("/nonexistent/dir/s.json");
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().source, "/nonexistent/dir/s.json");
    EXPECT_THAT(loaded.error().reason, HasSubstr("cannot open"));
}

} // namespace
} // namespace dita::chaos
