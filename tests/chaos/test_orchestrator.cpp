// The orchestrator: virtual time, intent naming, what a run captures, the venue seam.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dita/chaos/campaign.hpp"
#include "dita/chaos/generator.hpp"
#include "dita/chaos/invariants.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/sequencer.hpp"
#include "dita/chaos/suite.hpp"
#include "test_venues.hpp"

namespace dita::chaos {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

ChaosStep step(ChaosAction action, double delay = 0.0) {
    ChaosStep out;
    out.action = action;
    out.delay_before = delay;
    return out;
}

std::vector<std::string> intent_ids(const InputLog& log) {
    std::vector<std::string> out;
    for (const LoggedInput& input : log.inputs) {
        if (input.kind == InputKind::INTENT) out.push_back(input.intent.intent_id);
    }
    return out;
}

TEST(Orchestrator, DelaysAdvanceVirtualTimeInsteadOfSleeping) {
    // Ten days of delays: a run that slept would hit the test timeout long before.
    ChaosScenario scenario;
    scenario.name = "long_waits";
    for (int i = 0; i < 10; ++i) scenario.steps.push_back(step(i % 2 == 0 ? ChaosAction::ENTER : ChaosAction::EXIT, 86'400.0));
    const auto stack = build_test_kernel();
    const std::int64_t start_ns = stack->clock().now_ns();
    const ChaosRunResult run = run_chaos_scenario(*stack, scenario);
    EXPECT_EQ(run.elapsed_ns, 864'000'000'000'000);
    EXPECT_EQ(stack->clock().now_ns() - start_ns, 864'000'000'000'000);
    // Each step happened at its virtual time.
    ASSERT_EQ(run.steps.size(), 10u);
    EXPECT_EQ(run.steps[3].at_ns - start_ns, 4 * 86'400'000'000'000);
    EXPECT_EQ(stack->kernel().slot(0).fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
}

TEST(Orchestrator, TenMinutesOfDelaysInAScenarioFileRunInVirtualTime) {
    ChaosScenario scenario;
    scenario.name = "ten_minutes";
    scenario.steps = {step(ChaosAction::ENTER, 120.0), step(ChaosAction::WAIT, 240.0), step(ChaosAction::MARK_PRICE, 120.0),
                      step(ChaosAction::EXIT, 120.0)};
    const ScenarioReport report = run_scenario_and_check(scenario);
    EXPECT_TRUE(report.passed);
    EXPECT_EQ(report.run.elapsed_ns, 600'000'000'000);
}

TEST(Orchestrator, IntentIdsFollowTheSeed) {
    ChaosScenario scenario;
    scenario.name = "naming";
    scenario.steps = {step(ChaosAction::ENTER), step(ChaosAction::WAIT, 1.0), step(ChaosAction::RECONCILE),
                      step(ChaosAction::MARK_PRICE), step(ChaosAction::EXIT), step(ChaosAction::CANCEL)};
    const auto stack = build_test_kernel();
    const ChaosRunResult run = run_chaos_scenario(*stack, scenario);
    // trade_seq counts every step but RECONCILE and WAIT.
    EXPECT_THAT(intent_ids(stack->log()), ElementsAre("chaos-1-enter", "chaos-2-mark_price", "chaos-3-exit", "chaos-4-cancel"));
    // One snapshot and one outcome per non-WAIT step (pumps delivered nothing on the mock).
    EXPECT_EQ(run.slot_states.size(), 5u);
    EXPECT_EQ(run.account_snapshots.size(), 5u);
    EXPECT_EQ(run.outcomes.size(), 5u);
    EXPECT_EQ(run.outcomes[1].diagnostic_code, KernelDiagnosticCode::RECONCILED) << run.outcomes[1].details;
    ASSERT_TRUE(run.final_outcome.has_value());
    EXPECT_EQ(run.final_outcome->diagnostic_code, KernelDiagnosticCode::NOTHING_TO_CANCEL);
}

TEST(Orchestrator, CapturesOutcomesEventsAndSnapshotsAfterEveryStep) {
    const auto stack = build_test_kernel();
    EventSequencer sequencer;
    RunOptions options;
    options.capture = &sequencer;
    std::vector<std::size_t> progress;
    options.on_step = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 3u);
        progress.push_back(done);
    };
    const ChaosRunResult run = run_chaos_scenario(*stack, *find_scenario("two_leg_rapid"), options);
    EXPECT_THAT(progress, ElementsAre(1, 2, 3));
    EXPECT_EQ(run.scenario_name, "two_leg_rapid");
    ASSERT_EQ(run.slot_states.size(), 3u);
    EXPECT_EQ(run.slot_states[0].fsm_state, TradeStage::POSITION_OPEN);
    EXPECT_EQ(run.slot_states[1].fsm_state, TradeStage::POSITION_PARTIALLY_CLOSED);
    EXPECT_EQ(run.slot_states[2].fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(run.events.size(), 6u); // ACK + FILL per order
    EXPECT_EQ(sequencer.events(), run.events);
    EXPECT_EQ(run.events, stack->log().events());
    EXPECT_EQ(run.account_snapshots[2].fees_paid, *Decimal::parse("0.001"));
    EXPECT_EQ(stack->log().final_state_hash, stack->kernel().state_hash());
    for (const StepTrace& trace : run.steps) EXPECT_LT(trace.outcomes_begin, trace.outcomes_end);
}

TEST(Orchestrator, ReconcileFeedsTheKernelsOwnSnapshotsOfEverySlot) {
    const auto stack = build_test_kernel(find_scenario("entry_reconcile_exit")->venue);
    const ChaosRunResult run = run_chaos_scenario(*stack, *find_scenario("entry_reconcile_exit"));
    const LoggedInput* reconcile = nullptr;
    for (const LoggedInput& input : stack->log().inputs) {
        if (input.kind == InputKind::RECONCILE) reconcile = &input;
    }
    ASSERT_NE(reconcile, nullptr);
    ASSERT_EQ(reconcile->snapshots.size(), 2u);
    EXPECT_EQ(reconcile->snapshots[0].slot.fsm_state, TradeStage::PARTIAL_FILL);
    EXPECT_EQ(run.slot_states[1].fsm_state, TradeStage::PARTIAL_FILL);
    EXPECT_NE(run.slot_states[2].fsm_state, TradeStage::STALE_STATE_RECONCILING);
}

TEST(Orchestrator, ScenarioSlotIsUsed) {
    ChaosScenario scenario = *find_scenario("rapid_entry_exit");
    scenario.slot_id = 1;
    const ScenarioReport report = run_scenario_and_check(scenario);
    EXPECT_TRUE(report.passed);
    EXPECT_EQ(report.final_slots[1].fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(report.final_slots[0].fsm_state, TradeStage::IDLE);
}

TEST(Orchestrator, WallClockModeSleepsAndStillHoldsEveryInvariant) {
    ChaosScenario scenario = *find_scenario("rapid_entry_exit");
    scenario.steps[1].delay_before = 0.002;
    SuiteOptions options;
    options.stack.time = TimeMode::WALL;
    const ScenarioReport report = run_scenario_and_check(scenario, options);
    EXPECT_TRUE(report.passed);
    EXPECT_GE(report.run.elapsed_ns, 2'000'000);
}

TEST(VenueSeam, AnAsynchronousVenueDeliversThroughThePumps) {
    // Events reach the kernel one drain late; the pump after each step brings them in.
    SuiteOptions options;
    options.venue_factory = test::faulty_factory(test::Fault::LATE_EVENTS);
    const ScenarioReport report = run_scenario_and_check(*find_scenario("two_leg_rapid"), options);
    std::string failures;
    for (const InvariantResult& check : report.checks) {
        if (!check.passed) failures += check.name + ": " + check.detail + "; ";
    }
    EXPECT_TRUE(report.passed) << failures;
    // The step's own outcome saw nothing; the pump's outcome carries the events.
    ASSERT_GE(report.run.outcomes.size(), 2u);
    EXPECT_TRUE(report.run.outcomes[0].emitted_events.empty());
    EXPECT_EQ(report.run.outcomes[1].emitted_events.size(), 2u);
    EXPECT_EQ(report.final_slots[0].fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(report.run.events.size(), 6u);
}

TEST(VenueFaults, ARunWithLatencySettlesAtRestBeforeTheChecks) {
    // Every event arrives 50 ms after it happens. The EXIT (10 ms in) finds the entry unanswered,
    // so it waits for it; the entry's fill, then the exit's, arrive only while the run settles.
    ChaosScenario scenario = *find_scenario("rapid_entry_exit");
    scenario.venue.latency_ns = 50'000'000;
    const ScenarioReport report = run_scenario_and_check(scenario);
    ASSERT_FALSE(report.setup_error.has_value());
    ASSERT_EQ(report.checks.size(), invariant_checks().size());
    std::string failures;
    for (const InvariantResult& check : report.checks) {
        if (!check.passed) failures += check.name + ": " + check.detail + "; ";
    }
    EXPECT_TRUE(report.passed) << failures;
    ASSERT_EQ(report.run.slot_states.size(), 2u);
    EXPECT_EQ(report.run.slot_states[1].fsm_state, TradeStage::ORDER_SENT); // nothing heard yet
    EXPECT_EQ(report.final_slots[0].fsm_state, TradeStage::TRADE_TERMINAL_WRITTEN);
    EXPECT_EQ(report.run.events.size(), 4u);
    EXPECT_GE(report.run.elapsed_ns, 100'000'000); // two latencies: the entry's, then the exit's
}

TEST(VenueFaults, EveryFaultOfTheMockKeepsEveryInvariantOnTheBuiltins) {
    // One setting per fault the kernel must absorb by itself (no reconcile needed).
    std::vector<std::pair<std::string, VenueSettings>> faults;
    VenueSettings venue;
    venue.seed = 7;
    venue.duplicate_probability = 0.5;
    faults.emplace_back("duplicates", venue);
    venue = VenueSettings{};
    venue.seed = 7;
    venue.reorder_probability = 0.5;
    faults.emplace_back("reordering", venue);
    venue = VenueSettings{};
    venue.seed = 3;
    venue.delay_probability = 0.5;
    venue.delay_ns_max = 20'000'000;
    faults.emplace_back("delays", venue);
    venue = VenueSettings{};
    venue.seed = 13;
    venue.partial_fill_ratio = 0.5;
    venue.late_fill_on_cancel_probability = 1.0;
    faults.emplace_back("late fills after cancel", venue);
    venue = VenueSettings{};
    venue.seed = 19;
    venue.random_partial_fills = true;
    venue.random_cancel_reject_probability = 0.5;
    faults.emplace_back("random partials and cancel rejects", venue);
    SuiteOptions options;
    options.checks.reordered_replays = 4;
    for (const auto& [label, settings] : faults) {
        for (const ChaosScenario& builtin : builtin_scenarios()) {
            ChaosScenario scenario = builtin;
            const double ratio = scenario.venue.partial_fill_ratio;
            scenario.venue = settings;
            if (ratio != 1.0 && settings.partial_fill_ratio == 1.0) scenario.venue.partial_fill_ratio = ratio;
            const ScenarioReport report = run_scenario_and_check(scenario, options);
            ASSERT_FALSE(report.setup_error.has_value()) << label << ": " << report.setup_error->message();
            ASSERT_EQ(report.checks.size(), invariant_checks().size());
            for (const InvariantResult& check : report.checks) {
                EXPECT_TRUE(check.passed) << label << " / " << scenario.name << ": " << check.name << ": " << check.detail;
            }
        }
    }
}

TEST(VenueFaults, DroppedEventsFailTheVenueCheckUntilAReconcileRecoversThem) {
    ChaosScenario scenario = *find_scenario("entry_exit_10x");
    scenario.venue.seed = 5;
    scenario.venue.drop_probability = 0.3;
    const ScenarioReport dropped = run_scenario_and_check(scenario);
    ASSERT_EQ(dropped.checks.size(), invariant_checks().size());
    bool venue_check_failed = false;
    for (const InvariantResult& check : dropped.checks) {
        if (check.name == "orders_match_venue") venue_check_failed = !check.passed;
    }
    EXPECT_TRUE(venue_check_failed);
    ChaosStep reconcile;
    reconcile.action = ChaosAction::RECONCILE;
    scenario.steps.push_back(reconcile);
    const ScenarioReport recovered = run_scenario_and_check(scenario);
    ASSERT_EQ(recovered.checks.size(), invariant_checks().size());
    for (const InvariantResult& check : recovered.checks) EXPECT_TRUE(check.passed) << check.name << ": " << check.detail;
}

TEST(VenueSeam, AFactoryErrorIsReportedNotThrown) {
    SuiteOptions options;
    options.venue_factory = [](const VenueSettings&, const Clock&) -> Result<VenueHandle> {
        return Error{"", "venue", "cannot reach the exchange"};
    };
    const ScenarioReport report = run_scenario_and_check(*find_scenario("rapid_entry_exit"), options);
    ASSERT_TRUE(report.setup_error.has_value());
    EXPECT_THAT(report.setup_error->message(), HasSubstr("cannot reach the exchange"));
    EXPECT_FALSE(report.passed);

    VenueSettings bad;
    bad.lot_step = 0.0;
    const auto stack = ChaosStack::create(bad);
    ASSERT_FALSE(stack.ok());
    EXPECT_THAT(stack.error().message(), HasSubstr("lot_step"));
}

TEST(Orchestrator, AFullInputLogStopsRecordingNotTheRun) {
    const auto stack = build_test_kernel();
    stack->log().inputs_limit = 1;
    const ChaosRunResult run = run_chaos_scenario(*stack, *find_scenario("entry_exit_10x"));
    EXPECT_TRUE(stack->log().truncated);
    EXPECT_EQ(stack->log().inputs.size(), 1u);
    // Every intent still reached the kernel.
    EXPECT_EQ(stack->kernel().slot(0).trades_completed, 10u);
    EXPECT_EQ(run.events.size(), 40u);
    const FinalState state = capture_final_state(*stack);
    const CheckContext context{run, state, &stack->log(), {}};
    const InvariantResult result = check_replay_converges(context);
    EXPECT_FALSE(result.passed);
    EXPECT_THAT(result.detail, HasSubstr("the input log stopped at 1 inputs"));
}

TEST(Orchestrator, ThreadCountIsReadable) {
    const auto threads = count_process_threads();
    ASSERT_TRUE(threads.has_value());
    EXPECT_GE(*threads, 1u);
}

// What one checked run leaves: the checks' verdicts and details, and the stack's log and clock.
struct RunTrace {
    std::vector<InvariantResult> checks;
    std::uint64_t final_state_hash = 0;
    std::size_t inputs = 0;
    std::size_t events = 0;
    std::int64_t now_ns = 0;
};

RunTrace checked_trace(ChaosStack& stack, const ChaosScenario& scenario) {
    const CheckedStackRun checked = run_and_check(stack, scenario, RunOptions{.threads_at_start = 1}, CheckOptions{}, true);
    return RunTrace{checked.checks, stack.log().final_state_hash, stack.log().inputs.size(), checked.run.events.size(),
                    stack.clock().now_ns()};
}

TEST(ChaosStackReset, ARunOnAResetStackIsTheRunOfAFreshOne) {
    // Generated scenarios: faults, restarts, liquidations, wild prices; each on a stack that
    // ran the previous one, against a new stack.
    auto reused = ChaosStack::create(VenueSettings{});
    ASSERT_TRUE(reused.ok());
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        const ChaosScenario scenario = generate_scenario(seed);
        ASSERT_FALSE(reused.value()->reset(scenario.venue).has_value());
        const RunTrace again = checked_trace(*reused.value(), scenario);
        auto fresh = ChaosStack::create(scenario.venue);
        ASSERT_TRUE(fresh.ok());
        const RunTrace first = checked_trace(*fresh.value(), scenario);
        EXPECT_EQ(again.checks, first.checks) << "seed " << seed;
        EXPECT_EQ(again.final_state_hash, first.final_state_hash) << "seed " << seed;
        EXPECT_EQ(again.inputs, first.inputs) << "seed " << seed;
        EXPECT_EQ(again.events, first.events) << "seed " << seed;
        EXPECT_EQ(again.now_ns, first.now_ns) << "seed " << seed;
        EXPECT_GT(again.inputs, 0u);
    }
}

TEST(ChaosStackReset, SettingsTheVenueRefusesAreAnErrorAndTheNextRunStartsAfresh) {
    VenueSettings bad;
    bad.partial_fill_ratio = 2.0;
    auto stack = ChaosStack::create(VenueSettings{});
    ASSERT_TRUE(stack.ok());
    const std::optional<Error> refused = stack.value()->reset(bad);
    ASSERT_TRUE(refused.has_value());
    EXPECT_THAT(refused->message(), HasSubstr("partial_fill_ratio"));
    // A campaign drops a stack it could not reset: the run reports the setup failure, the next
    // run builds a new stack.
    std::unique_ptr<ChaosStack> reused = std::move(stack).value();
    ChaosScenario scenario = generate_scenario(7);
    scenario.venue = bad;
    const CheckedRun failed = run_checked(scenario, {}, reused);
    EXPECT_FALSE(failed.passed);
    EXPECT_EQ(failed.invariant, "setup");
    EXPECT_EQ(reused, nullptr);
    const ChaosScenario good = generate_scenario(7);
    const CheckedRun next = run_checked(good, {}, reused);
    EXPECT_NE(reused, nullptr);
    EXPECT_EQ(next.checks, run_checked(good, {}).checks);
}

} // namespace
} // namespace dita::chaos
