// The HTML report's data (issue 16): events marked as delivered, the failing invariant placed at
// the step where it first fails, big runs capped, and the page safe from what it quotes.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dita/chaos/report_html.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/suite.hpp"

namespace dita::chaos {
namespace {

ChaosScenario bust() {
    ChaosScenario scenario;
    scenario.name = "bust";
    scenario.venue.liquidations = false; // a venue that liquidated first would keep capital positive
    ChaosStep enter;
    enter.side = TradeSide::LONG;
    enter.target_size = 1000;
    enter.leverage = 100;
    ChaosStep mark;
    mark.action = ChaosAction::MARK_PRICE;
    mark.reference_price = 1;
    ChaosStep exit;
    exit.action = ChaosAction::EXIT;
    exit.reference_price = 1;
    exit.target_size = 0;
    scenario.steps = {enter, mark, exit};
    return scenario;
}

ReportScenario view_of(const ScenarioReport& report, const ChaosScenario& scenario) {
    ReportScenario out;
    out.name = report.name;
    out.passed = report.passed;
    out.checks = report.checks;
    out.log = &report.log;
    out.scenario_steps = scenario.steps.size();
    for (const StepTrace& step : report.run.steps) out.step_indices.push_back(step.step_index);
    return out;
}

// Every flag of every delivered event in a timeline.
std::multiset<std::string> flags_of(const Json& timeline) {
    std::multiset<std::string> out;
    for (const Json& row : timeline["rows"]) {
        for (const Json& event : row["events"]) {
            for (const Json& flag : event["flags"]) out.insert(flag.get<std::string>().substr(0, 4));
        }
    }
    return out;
}

TEST(ReportHtml, DuplicatedAndReorderedEventsAreMarkedAsDelivered) {
    const ChaosScenario& twice = *find_scenario("fill_replayed_after_restart");
    const ScenarioReport a = run_scenario_and_check(twice);
    const std::multiset<std::string> doubled = flags_of(scenario_timeline_json(view_of(a, twice)));
    EXPECT_GT(doubled.count("dupl"), 0u);
    EXPECT_GT(doubled.count("held"), 0u); // held 10 ms by the venue
    const ChaosScenario& reordered = *find_scenario("fill_before_ack");
    const ScenarioReport b = run_scenario_and_check(reordered);
    EXPECT_GT(flags_of(scenario_timeline_json(view_of(b, reordered))).count("reor"), 0u);
    // The control: a clean venue delivers nothing twice or out of order.
    const ChaosScenario& clean = *find_scenario("rapid_entry_exit");
    const ScenarioReport c = run_scenario_and_check(clean);
    const std::multiset<std::string> plain = flags_of(scenario_timeline_json(view_of(c, clean)));
    EXPECT_EQ(plain.count("dupl") + plain.count("reor"), 0u);
}

TEST(ReportHtml, TheFailingInvariantIsPlacedAtTheStepWhereItFirstFails) {
    const ChaosScenario scenario = bust();
    const std::optional<FirstFailure> first = find_first_failure(scenario, "capital_non_negative", {});
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->step_index, 2u); // the EXIT realizes the loss; the mark alone does not
    EXPECT_EQ(first->runs, 3u);
    EXPECT_FALSE(find_first_failure(scenario, "transitions_legal", {}).has_value());

    const ScenarioReport report = run_scenario_and_check(scenario);
    ReportScenario view = view_of(report, scenario);
    view.first_failures.push_back(*first);
    const Json timeline = scenario_timeline_json(view);
    const Json& input = timeline["first_failure"]["input"];
    ASSERT_TRUE(input.is_number());
    bool marked = false;
    for (const Json& row : timeline["rows"]) {
        if (row["i"] == input) marked = row.value("step", 99) == 2 && row["label"].get<std::string>().rfind("EXIT", 0) == 0;
    }
    EXPECT_TRUE(marked) << timeline["rows"].dump();
}

TEST(ReportHtml, BigRunsAreCappedAndSaySo) {
    ChaosScenario scenario;
    scenario.name = "long";
    for (int i = 0; i < 4000; ++i) {
        ChaosStep enter;
        ChaosStep exit;
        exit.action = ChaosAction::EXIT;
        scenario.steps.push_back(enter);
        scenario.steps.push_back(exit);
    }
    SuiteOptions options;
    options.checks.replays = false;
    const ScenarioReport report = run_scenario_and_check(scenario, options);
    const Json timeline = scenario_timeline_json(view_of(report, scenario));
    EXPECT_GT(timeline["inputs_total"].get<std::size_t>(), report_inputs_shown_max);
    EXPECT_LE(timeline["inputs_shown"].get<std::size_t>(), report_inputs_shown_max);
    EXPECT_EQ(timeline["rows"].size(), timeline["inputs_shown"].get<std::size_t>());
    EXPECT_GE(timeline["shown_ranges"].size(), 2u);
    EXPECT_EQ(timeline["rows"].back()["i"].get<std::size_t>() + 1, timeline["inputs_total"].get<std::size_t>());
}

TEST(ReportHtml, QuotedTextCannotCloseTheDataScript) {
    const ChaosScenario scenario = *find_scenario("rapid_entry_exit");
    const ScenarioReport report = run_scenario_and_check(scenario);
    HtmlReport page;
    page.title = "t";
    page.command = "dita chaos --scenario '</script><script>alert(1)</script>'";
    page.scenarios.push_back(view_of(report, scenario));
    page.scenarios.back().description = "<!-- </script> -->";
    const std::string html = render_html_report(page);
    std::size_t closings = 0;
    for (std::size_t at = html.find("</script>"); at != std::string::npos; at = html.find("</script>", at + 1)) ++closings;
    EXPECT_EQ(closings, 2u); // the data's and the code's own
    EXPECT_EQ(html.find("/*DITA_REPORT_DATA*/"), std::string::npos);
    EXPECT_NE(html.find("rapid_entry_exit"), std::string::npos);
}

} // namespace
} // namespace dita::chaos
