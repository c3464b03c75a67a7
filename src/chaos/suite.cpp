#include "dita/chaos/suite.hpp"

namespace dita::chaos {

namespace {

// The seed's _compare_key fields of a slot.
bool same_key_fields(const TradeSlot& a, const TradeSlot& b) {
    return a.fsm_state == b.fsm_state && a.size == b.size && a.trade_id == b.trade_id && a.closed == b.closed &&
           a.realized_pnl == b.realized_pnl && a.active_leg_index == b.active_leg_index;
}

} // namespace

CheckedStackRun run_and_check(ChaosStack& stack, const ChaosScenario& scenario, const RunOptions& run_options,
                              const CheckOptions& check_options, bool at_rest) {
    CheckedStackRun out{.run = run_chaos_scenario_reusing(stack, scenario, run_options, {},
                                                          run_seals_itself(stack, at_rest))};
    check_run(stack, check_options, at_rest, out);
    return out;
}

bool run_seals_itself(ChaosStack& stack, bool at_rest) {
    // A run brought to rest is sealed by quiesce, after its last input: sealing before too
    // would hash a state nothing reads. quiesce leaves a wall-clock run alone.
    return !at_rest || stack.virtual_clock() == nullptr;
}

void check_run(ChaosStack& stack, const CheckOptions& check_options, bool at_rest, CheckedStackRun& checked) {
    if (at_rest) quiesce(stack, checked.run);
    checked.state = capture_final_state(stack);
    const CheckContext context{checked.run, checked.state, &stack.log(), check_options};
    checked.checks = run_checks(context);
    if (at_rest) checked.checks.push_back(check_liveness(context));
}

ScenarioReport run_scenario_and_check(const ChaosScenario& scenario, const SuiteOptions& options) {
    std::unique_ptr<ChaosStack> stack;
    return run_scenario_and_check(scenario, options, stack);
}

ScenarioReport run_scenario_and_check(const ChaosScenario& scenario, const SuiteOptions& options,
                                      std::unique_ptr<ChaosStack>& reused) {
    ScenarioReport report;
    report.name = scenario.name;
    report.steps = scenario.steps.size();
    if (const std::optional<Error> setup_problem =
            ChaosStack::reset_or_create(reused, scenario.venue, options.stack, options.venue_factory)) {
        report.setup_error = *setup_problem;
        report.run.scenario_name = scenario.name;
        report.run.failure_reason = "setup: " + setup_problem->message();
        return report;
    }
    ChaosStack& stack = *reused;
    CheckedStackRun checked = run_and_check(stack, scenario, options.run, options.checks, scenario.at_rest);
    report.run = std::move(checked.run);
    report.threads_at_end = checked.state.threads;
    report.checks = std::move(checked.checks);
    if (const auto problem = stack.venue_trading_problem()) {
        report.checks.push_back(InvariantResult{"venue_could_trade", false, *problem, 0});
    }
    report.passed = true;
    for (const InvariantResult& check : report.checks) {
        if (check.passed) continue;
        report.passed = false;
        if (!report.run.failure_reason.empty()) report.run.failure_reason += "; ";
        report.run.failure_reason += check.name + ": " + check.detail;
    }
    report.run.passed = report.passed;
    for (int i = 0; i < stack.kernel().max_slots(); ++i) report.final_slots.push_back(stack.kernel().slot(i));
    report.account = stack.kernel().account();
    report.log = std::move(stack.log());
    return report;
}

TwiceResult run_scenario_twice_compare(const ChaosScenario& scenario, const SuiteOptions& options) {
    TwiceResult out;
    auto first = ChaosStack::create(scenario.venue, options.stack, options.venue_factory);
    auto second = ChaosStack::create(scenario.venue, options.stack, options.venue_factory);
    if (!first.ok() || !second.ok()) return out;
    out.first = run_chaos_scenario(*first.value(), scenario, options.run);
    out.second = run_chaos_scenario(*second.value(), scenario, options.run);
    const ExecutionKernel& k1 = first.value()->kernel();
    const ExecutionKernel& k2 = second.value()->kernel();
    out.slots_match = same_key_fields(k1.slot(0), k2.slot(0));
    out.first_state_hash = k1.state_hash();
    out.second_state_hash = k2.state_hash();
    return out;
}

Json invariant_result_to_json(const InvariantResult& check) {
    Json one;
    one["name"] = check.name;
    one["passed"] = check.passed;
    one["detail"] = check.detail;
    return one;
}

Json scenario_report_to_json(const ScenarioReport& report) {
    Json checks = Json::array();
    for (const InvariantResult& check : report.checks) checks.push_back(invariant_result_to_json(check));
    if (report.setup_error) {
        Json one;
        one["name"] = "setup";
        one["passed"] = false;
        one["detail"] = report.setup_error->message();
        checks.push_back(std::move(one));
    }
    Json slots = Json::array();
    for (const TradeSlot& slot : report.final_slots) slots.push_back(slot_to_dict(slot));
    Json out;
    out["name"] = report.name;
    out["passed"] = report.passed;
    out["checks"] = std::move(checks);
    out["final_slots"] = std::move(slots);
    out["account"] = account_to_dict(report.account);
    return out;
}

Json chaos_report_to_json(std::span<const ScenarioReport> reports) {
    Json list = Json::array();
    for (const ScenarioReport& report : reports) list.push_back(scenario_report_to_json(report));
    Json out;
    out["scenarios"] = std::move(list);
    return out;
}

} // namespace dita::chaos
