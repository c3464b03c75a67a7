// The FIELD scenarios (issue 5): failures other platforms' users lost money to, each on a
// venue whose deterministic faults make it happen every run. Every one must hold every
// invariant, and once brought to rest, liveness too.
#include <gtest/gtest.h>

#include <algorithm>

#include "dita/chaos/campaign.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/suite.hpp"
#include "printers.hpp"

namespace dita::chaos {
namespace {

std::string scenario_name(const testing::TestParamInfo<ChaosScenario>& info) { return info.param.name; }

std::string failures_of(const std::vector<InvariantResult>& checks) {
    std::string out;
    for (const InvariantResult& check : checks) {
        if (!check.passed) out += check.name + ": " + check.detail + "; ";
    }
    return out;
}

const ChaosScenario& field(std::string_view name) {
    const ChaosScenario* found = find_scenario(name);
    if (found == nullptr) throw std::logic_error("no FIELD scenario " + std::string(name));
    return *found;
}

bool any_outcome_with(const ChaosRunResult& run, KernelDiagnosticCode code) {
    return std::any_of(run.outcomes.begin(), run.outcomes.end(),
                       [&](const KernelOutcome& outcome) { return outcome.diagnostic_code == code; });
}

class FieldScenario : public testing::TestWithParam<ChaosScenario> {};

TEST_P(FieldScenario, EveryInvariantHolds) {
    const ScenarioReport report = run_scenario_and_check(GetParam());
    ASSERT_FALSE(report.setup_error.has_value());
    EXPECT_TRUE(report.passed) << failures_of(report.checks);
}

TEST_P(FieldScenario, AtRestEveryInvariantAndLivenessHold) {
    const CheckedRun run = run_checked(GetParam());
    EXPECT_TRUE(run.passed) << run.invariant << ": " << run.detail;
}

TEST_P(FieldScenario, TheFaultReallyHappens) {
    // A FIELD scenario whose venue never did the odd thing would pass without testing anything.
    EXPECT_EQ(scenario_groups(GetParam().name), std::vector<std::string>{"FIELD"});
    const ScenarioReport report = run_scenario_and_check(GetParam());
    EXPECT_FALSE(report.run.events.empty() && GetParam().name != "unknown_venue_position");
}

INSTANTIATE_TEST_SUITE_P(Field, FieldScenario, testing::ValuesIn(field_scenarios().begin(), field_scenarios().end()),
                         scenario_name);

TEST(FieldScenarios, EachIsFoundByName) {
    for (const ChaosScenario& one : field_scenarios()) EXPECT_EQ(field(one.name), one);
}

TEST(FieldScenarios, AreTheSevenOfIssueFiveAndKeepTheSeedsTen) {
    std::vector<std::string> names;
    for (const ChaosScenario& one : field_scenarios()) names.push_back(one.name);
    EXPECT_EQ(names, (std::vector<std::string>{"fill_replayed_after_restart", "fill_before_ack", "fill_after_cancel_ack",
                                               "overfill_reported", "filled_below_quantity", "submit_answer_lost",
                                               "unknown_venue_position"}));
    EXPECT_EQ(builtin_scenarios().size(), 10u);
    for (const ChaosScenario& one : builtin_scenarios()) EXPECT_NE(one.name.find('_'), std::string::npos);
}

} // namespace
} // namespace dita::chaos
