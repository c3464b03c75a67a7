// Issue 5: generator, campaigns, quiesce + liveness, shrinking, RESTART.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dita/chaos/campaign.hpp"
#include "dita/chaos/generator.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario_io.hpp"

namespace dita::chaos {
namespace {

Json checks_json(const CheckedRun& run) {
    Json out = Json::array();
    for (const InvariantResult& check : run.checks) {
        out.push_back(Json{{"name", check.name}, {"passed", check.passed}, {"detail", check.detail}});
    }
    return out;
}

TEST(Generator, SameSeedSameScenarioAndSameRunByteForByte) {
    for (std::uint64_t seed : {0ULL, 1ULL, 7ULL, 12345ULL, 0xFFFFFFFFFFFFULL}) {
        const ChaosScenario a = generate_scenario(seed);
        const ChaosScenario b = generate_scenario(seed);
        EXPECT_EQ(scenario_to_json(a).dump(), scenario_to_json(b).dump()) << seed;
        EXPECT_EQ(checks_json(run_checked(a)).dump(), checks_json(run_checked(b)).dump()) << seed;
    }
    EXPECT_NE(scenario_to_json(generate_scenario(1)).dump(), scenario_to_json(generate_scenario(2)).dump());
}

TEST(Generator, ScenariosSurviveTheirFileFormat) {
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
        const ChaosScenario scenario = generate_scenario(seed);
        const auto parsed = parse_scenarios(scenario_to_json(scenario).dump(), "<generated>");
        ASSERT_TRUE(parsed.ok()) << seed << ": " << parsed.error().message();
        ASSERT_EQ(parsed.value().size(), 1u);
        EXPECT_EQ(parsed.value()[0], scenario) << seed;
    }
}

TEST(Generator, CoversEveryActionSlotsAndFaults) {
    std::map<ChaosAction, int> actions;
    std::set<int> slots;
    int faulty = 0, overfilling = 0;
    bool off_lot = false, zero = false, bad_price = false, bad_legs = false;
    for (std::uint64_t seed = 0; seed < 500; ++seed) {
        const ChaosScenario s = generate_scenario(seed);
        faulty += s.venue.drop_probability > 0 ? 1 : 0;
        overfilling += s.venue.overfill_probability > 0 ? 1 : 0;
        for (const ChaosStep& step : s.steps) {
            ++actions[step.action];
            slots.insert(step.slot_id.value_or(s.slot_id));
            off_lot |= step.target_size == 0.0015;
            zero |= step.target_size == 0.0;
            bad_price |= step.reference_price <= 0.0;
            bad_legs |= step.action == ChaosAction::ENTER && step.exit_leg_ratios.empty();
        }
    }
    for (ChaosAction action : enum_values<ChaosAction>()) EXPECT_GT(actions[action], 0) << to_string(action);
    EXPECT_EQ(slots.size(), 2u);
    EXPECT_GT(faulty, 0);
    EXPECT_GT(overfilling, 0);
    EXPECT_TRUE(off_lot && zero && bad_price && bad_legs);
    // The generator's options are honoured.
    GeneratorOptions calm;
    calm.faults = false;
    calm.restarts = false;
    for (std::uint64_t seed = 0; seed < 100; ++seed) {
        const ChaosScenario s = generate_scenario(seed, calm);
        EXPECT_EQ(s.venue.drop_probability, 0.0);
        for (const ChaosStep& step : s.steps) EXPECT_NE(step.action, ChaosAction::RESTART);
    }
}

TEST(Restart, RebuildsFromTheJournalAndReplaysConverge) {
    ChaosScenario scenario;
    scenario.name = "restart_mid_trade";
    ChaosStep enter;
    enter.side = TradeSide::LONG;
    ChaosStep restart;
    restart.action = ChaosAction::RESTART;
    ChaosStep exit = enter;
    exit.action = ChaosAction::EXIT;
    scenario.steps = {enter, restart, exit};
    auto stack = build_test_kernel();
    const ChaosRunResult run = run_chaos_scenario(*stack, scenario);
    // The trade survived the crash and was closed by the new kernel.
    EXPECT_EQ(stack->kernel().slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_TRUE(stack->kernel().slot(0).size.is_zero());
    int restarts = 0;
    for (const LoggedInput& input : stack->log().inputs) restarts += input.kind == InputKind::RESTART ? 1 : 0;
    EXPECT_EQ(restarts, 1);
    const ReplayRun replay = replay_log(stack->log());
    EXPECT_FALSE(replay.divergence) << *replay.divergence;
    EXPECT_EQ(replay.final_state_hash, stack->log().final_state_hash);
    const CheckedRun checked = run_checked(scenario);
    EXPECT_TRUE(checked.passed) << checked.invariant << ": " << checked.detail;
    // The log with its RESTART line survives JSON lines.
    std::stringstream text;
    write_input_log(stack->log(), text);
    const auto reread = read_input_log(text, "<log>");
    ASSERT_TRUE(reread.ok()) << reread.error().message();
    EXPECT_EQ(replay_log(reread.value()).final_state_hash, stack->log().final_state_hash);
}

TEST(Checks, AnOverfillTheKernelLearnedOnlyFromAReconcileIsTheVenuesOwn) {
    // Every event is lost: the kernel learns the overfill from the quiesce's reconcile query
    // alone, and says OVERFILL. The venue's answer in the input log is the report that makes
    // that the right reaction.
    ChaosScenario scenario;
    scenario.name = "overfill-by-query";
    scenario.venue.overfill_probability = 1.0;
    scenario.venue.drop_probability = 1.0;
    scenario.steps = {ChaosStep{}};
    const CheckedRun run = run_checked(scenario);
    EXPECT_TRUE(run.passed) << run.invariant << ": " << run.detail;
    bool flagged = false;
    auto stack = build_test_kernel(scenario.venue);
    ChaosRunResult result = run_chaos_scenario(*stack, scenario);
    quiesce(*stack, result);
    for (const KernelOutcome& outcome : result.outcomes) flagged |= outcome.diagnostic_code == KernelDiagnosticCode::OVERFILL;
    EXPECT_TRUE(flagged);
    // Without the log (no venue answers to consult) the same OVERFILL is unexplained.
    const FinalState state = capture_final_state(*stack);
    const CheckContext blind{result, state, nullptr, {}};
    EXPECT_FALSE(check_no_unexpected_diagnostics(blind).passed);
}

TEST(Liveness, FailsWhenAnOrderIsLeftWorkingAfterQuiesce) {
    // A venue that only half fills: without quiesce the entry works on; after it, nothing does.
    ChaosScenario scenario;
    scenario.name = "half";
    scenario.venue.partial_fill_ratio = 0.5;
    scenario.steps = {ChaosStep{}};
    EXPECT_TRUE(run_checked(scenario).passed);
    auto stack = build_test_kernel(scenario.venue);
    ChaosRunResult run = run_chaos_scenario(*stack, scenario);
    run.quiesced = true; // pretend it was brought to rest: the working remainder must be caught
    const FinalState state = capture_final_state(*stack);
    const CheckContext context{run, state, &stack->log(), {}};
    const InvariantResult result = check_liveness(context);
    EXPECT_FALSE(result.passed);
    EXPECT_NE(result.detail.find("still works order"), std::string::npos) << result.detail;
    // And a venue position the kernel neither holds nor recorded as a gap is caught.
    FinalState flat = state;
    flat.slots.clear();
    flat.kernel_working_orders.clear();
    flat.venue_open_orders.clear();
    const CheckContext flat_context{run, flat, &stack->log(), {}};
    EXPECT_FALSE(check_liveness(flat_context).passed);
    // Failing closed is not enough: the gap must be one the kernel can explain.
    flat.mismatched_assets["BTCUSDT"] = Decimal::parse("-0.005").value();
    const CheckContext unexplained_context{run, flat, &stack->log(), {}};
    EXPECT_FALSE(check_liveness(unexplained_context).passed);
    // A stranger's position it failed closed on...
    FinalState foreign = flat;
    foreign.foreign_net["BTCUSDT"] = Decimal::parse("-0.005").value();
    const CheckContext foreign_context{run, foreign, &stack->log(), {}};
    EXPECT_TRUE(check_liveness(foreign_context).passed) << check_liveness(foreign_context).detail;
    EXPECT_TRUE(check_orders_match_venue(foreign_context).passed) << check_orders_match_venue(foreign_context).detail;
    // ...or late fills of its own no slot could take; but not while a slot is free.
    FinalState unplaced = flat;
    unplaced.unplaced_fills["BTCUSDT"] = Decimal::parse("-0.005").value();
    const CheckContext unplaced_context{run, unplaced, &stack->log(), {}};
    EXPECT_TRUE(check_orders_match_venue(unplaced_context).passed) << check_orders_match_venue(unplaced_context).detail;
    for (int id = 0; id < 2; ++id) {
        SlotSnapshot busy;
        busy.slot.slot_id = id;
        busy.slot.fsm_state = TradeStage::POSITION_OPEN;
        unplaced.slots.push_back(busy);
    }
    const CheckContext busy_context{run, unplaced, &stack->log(), {}};
    EXPECT_TRUE(check_liveness(busy_context).passed) << check_liveness(busy_context).detail;
    unplaced.slots.back().slot.fsm_state = TradeStage::TRADE_TERMINAL_WRITTEN;
    const CheckContext free_context{run, unplaced, &stack->log(), {}};
    const InvariantResult free_result = check_liveness(free_context);
    EXPECT_FALSE(free_result.passed);
    EXPECT_NE(free_result.detail.find("stay unplaced"), std::string::npos) << free_result.detail;
}

TEST(Shrink, ReducesToTheSameInvariantDeterministically) {
    // A failure that does not depend on any kernel bug: on a venue that never liquidates, wild
    // prices take a leveraged short far enough under water that capital goes below zero.
    GeneratorOptions options;
    options.liquidations = false;
    ChaosScenario failing = generate_scenario(6536, options);
    const CheckedRun run = run_checked(failing);
    ASSERT_FALSE(run.passed);
    EXPECT_EQ(run.invariant, "capital_non_negative");
    const ShrinkResult a = shrink_failure(failing, run.invariant);
    const ShrinkResult b = shrink_failure(failing, run.invariant);
    EXPECT_EQ(scenario_to_json(a.scenario).dump(), scenario_to_json(b.scenario).dump());
    EXPECT_LE(a.scenario.steps.size(), failing.steps.size());
    EXPECT_LE(a.scenario.steps.size(), 4u);
    const CheckedRun again = run_checked(a.scenario);
    EXPECT_FALSE(again.passed);
    bool same = false;
    for (const InvariantResult& check : again.checks) same |= !check.passed && check.name == run.invariant;
    EXPECT_TRUE(same);
}

TEST(Campaign, ShardsNeverOverlapAndCoverEverySeed) {
    std::set<std::uint64_t> seen;
    std::uint64_t total = 0;
    for (std::uint64_t shard = 0; shard < 3; ++shard) {
        CampaignOptions options;
        options.start = 100;
        options.seeds = 20;
        options.shard_index = shard;
        options.shard_count = 3;
        options.shrink = false;
        options.failures_max = 1000;
        options.generator.faults = false;
        const CampaignReport report = run_campaign(options);
        total += report.runs;
        for (const CampaignFailure& failure : report.failures) EXPECT_TRUE(seen.insert(failure.seed).second);
    }
    EXPECT_EQ(total, 20u);
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

TEST(FuzzCli, SavesAReproducerThatDitaChaosRerunsToTheSameFailure) {
    const auto dir = std::filesystem::temp_directory_path() / ("dita-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const std::string report = (dir / "report.json").string();
    std::filesystem::create_directories(dir);
    const std::string cmd = quoted(DITA_CLI_PATH) + " fuzz --seeds 1 --start 6536 --no-liquidation --save-dir " +
                            quoted((dir / "repro").string()) + " --json " + quoted(report) + " > /dev/null";
    const int status = std::system(cmd.c_str());
    ASSERT_EQ(WEXITSTATUS(status), 1);
    std::ifstream in(report);
    const Json parsed = Json::parse(in);
    ASSERT_EQ(parsed["failures"].size(), 1u);
    const std::string path = parsed["failures"][0]["reproducer"];
    const std::string invariant = parsed["failures"][0]["invariant"];
    const std::string rerun = (dir / "rerun.json").string();
    const std::string chaos =
        quoted(DITA_CLI_PATH) + " chaos --no-progress --scenario-file " + quoted(path) + " --json " + quoted(rerun) + " > /dev/null";
    EXPECT_EQ(WEXITSTATUS(std::system(chaos.c_str())), 1);
    std::ifstream rerun_in(rerun);
    const Json rerun_json = Json::parse(rerun_in);
    bool same = false;
    for (const Json& check : rerun_json["scenarios"][0]["checks"]) {
        same |= check["name"] == invariant && check["passed"] == false;
    }
    EXPECT_TRUE(same) << invariant;
    // Bad usage: exit 2.
    EXPECT_EQ(WEXITSTATUS(std::system((quoted(DITA_CLI_PATH) + " fuzz --shard 3/3 > /dev/null 2>&1").c_str())), 2);
    EXPECT_EQ(WEXITSTATUS(std::system((quoted(DITA_CLI_PATH) + " fuzz --shard x > /dev/null 2>&1").c_str())), 2);
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace dita::chaos
