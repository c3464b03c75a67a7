// The dita CLI as a user runs it: the built binary, its table, its JSON report, its exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dita/chaos/scenario.hpp"
#include "dita/contracts/json.hpp"
#include "cli_runner.hpp"

namespace dita::chaos {
namespace {

using testing::HasSubstr;
using testing::Not;

namespace fs = std::filesystem;

TEST_F(Cli, ChaosRunsEveryBuiltinAndShowsATable) {
    const CliRun result = run("chaos");
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr("scenario"));
    EXPECT_THAT(result.out, HasSubstr("steps"));
    EXPECT_THAT(result.out, HasSubstr("checks"));
    EXPECT_THAT(result.out, HasSubstr("time"));
    for (const ChaosScenario& one : builtin_scenarios()) {
        EXPECT_THAT(result.out, testing::ContainsRegex(one.name + " +[0-9]+ +13/13 +[0-9.]+ ms +pass")) << one.name;
    }
    EXPECT_THAT(result.out, HasSubstr("10 scenario run(s), 130/130 checks hold, every invariant holds"));
    EXPECT_THAT(result.out, Not(HasSubstr("FAIL")));
}

TEST_F(Cli, JsonReportHasTheSpecShape) {
    const CliRun result = run("chaos --scenario two_leg_rapid --scenario entry_then_mark --json " + quoted(path("r.json").string()));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const Json report = Json::parse(read_file(path("r.json")));
    ASSERT_TRUE(report.is_object());
    // SPEC section 6's keys come first and stay as they were; schema 2 (issue 16) adds after them.
    EXPECT_EQ(report.begin().key(), "scenarios");
    EXPECT_EQ(report["schema_version"], 2);
    const Json& scenarios = report.at("scenarios");
    ASSERT_EQ(scenarios.size(), 2u);
    const Json& first = scenarios[0];
    std::vector<std::string> keys;
    for (const auto& [key, value] : first.items()) keys.push_back(key);
    ASSERT_GE(keys.size(), 5u);
    keys.resize(5);
    EXPECT_THAT(keys, testing::ElementsAre("name", "passed", "checks", "final_slots", "account"));
    EXPECT_EQ(first["account_exact"]["fees_paid"], "0.001");
    EXPECT_EQ(first["name"], "two_leg_rapid");
    EXPECT_EQ(first["passed"], true);
    ASSERT_EQ(first["checks"].size(), 13u);
    for (const Json& check : first["checks"]) {
        std::vector<std::string> check_keys;
        for (const auto& [key, value] : check.items()) check_keys.push_back(key);
        EXPECT_THAT(check_keys, testing::ElementsAre("name", "passed", "detail"));
    }
    EXPECT_EQ(first["checks"][0]["name"], "slot_not_stuck");
    ASSERT_EQ(first["final_slots"].size(), 2u);
    EXPECT_EQ(first["final_slots"][0]["fsm_state"], "TRADE_TERMINAL_WRITTEN");
    EXPECT_TRUE(first["final_slots"][0]["realized_pnl"].is_number());
    EXPECT_DOUBLE_EQ(first["account"]["fees_paid"].get<double>(), 0.001);
    EXPECT_DOUBLE_EQ(scenarios[1]["final_slots"][0]["size"].get<double>(), 0.01);
    EXPECT_DOUBLE_EQ(scenarios[1]["account"]["unrealized_pnl"].get<double>(), 0.005);
}

TEST_F(Cli, JsonReportToStdoutMovesTheTableToStderr) {
    const CliRun result = run("chaos --scenario rapid_entry_exit --json -");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const Json report = Json::parse(result.out);
    EXPECT_EQ(report["scenarios"][0]["name"], "rapid_entry_exit");
    EXPECT_THAT(result.err, HasSubstr("rapid_entry_exit"));
}

TEST_F(Cli, ScenarioFileRuns) {
    write_file(path("s.json"), R"({"scenarios": [
        {"name": "slow_cycle", "steps": [{"action": "ENTER", "delay_before": 300},
                                         {"action": "WAIT", "delay_before": 300},
                                         {"action": "EXIT"}]},
        {"name": "long_on_slot_1", "slot_id": 1, "venue": {"partial_fill_ratio": 0.3},
         "steps": [{"action": "ENTER", "side": "LONG", "target_size": 0.01}, {"action": "CANCEL"}]}]})");
    const CliRun result = run("chaos --scenario-file " + quoted(path("s.json").string()));
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr("slow_cycle"));
    EXPECT_THAT(result.out, HasSubstr("long_on_slot_1"));
    EXPECT_THAT(result.out, HasSubstr("scenario time simulated: 600.000 s"));
}

TEST_F(Cli, AnInvariantFailureExitsOne) {
    // 100x leverage, then a crash: on a venue that never liquidates the account goes below zero.
    write_file(path("bust.json"), R"({"name": "bust", "venue": {"liquidations": false}, "steps": [
        {"action": "ENTER", "side": "LONG", "target_size": 1000, "leverage": 100},
        {"action": "MARK_PRICE", "reference_price": 1},
        {"action": "EXIT", "reference_price": 1, "target_size": 0}]})");
    const CliRun result = run("chaos --scenario-file " + quoted(path("bust.json").string()) + " --json " +
                              quoted(path("r.json").string()));
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_THAT(result.out, testing::ContainsRegex("bust +3 +11/13 .* FAIL"));
    EXPECT_THAT(result.out, HasSubstr("FAIL capital_non_negative: Capital went negative after step 2 (EXIT)"));
    EXPECT_THAT(result.out, HasSubstr("1 scenario(s) FAILED"));
    const Json report = Json::parse(read_file(path("r.json")));
    EXPECT_EQ(report["scenarios"][0]["passed"], false);
    EXPECT_EQ(report["scenarios"][0]["checks"][1]["passed"], false);
}

TEST_F(Cli, MalformedScenarioFilesExitTwoAndNothingRuns) {
    write_file(path("bad.json"), R"({"name": "x", "steps": [{"action": "ENTER"}, {"action": "EXIT", "target_size": "lots"}]})");
    const CliRun result = run("chaos --scenario rapid_entry_exit --scenario-file " + quoted(path("bad.json").string()));
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(result.err, HasSubstr(path("bad.json").string() +
                                      ": /steps/1/target_size (scenario 'x', step 1, field target_size): expected a "
                                      "number, got string \"lots\""));
    EXPECT_EQ(result.out, "");

    write_file(path("syntax.json"), "{\"name\": \"x\",\n  \"steps\": [\n");
    const CliRun syntax = run("chaos --scenario-file " + quoted(path("syntax.json").string()));
    EXPECT_EQ(syntax.exit_code, 2);
    EXPECT_THAT(syntax.err, HasSubstr(path("syntax.json").string() + ": line 3, column 1: invalid JSON"));

    const CliRun missing = run("chaos --scenario-file " + quoted(path("none.json").string()));
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_THAT(missing.err, HasSubstr("none.json: cannot open the file"));
}

TEST_F(Cli, BadUsageExitsTwo) {
    EXPECT_EQ(run("chaos --scenario no_such_scenario").exit_code, 2);
    EXPECT_THAT(run("chaos --scenario no_such_scenario").err, HasSubstr("unknown scenario 'no_such_scenario'"));
    EXPECT_EQ(run("chaos --repeat 0").exit_code, 2);
    EXPECT_EQ(run("chaos --group everything").exit_code, 2);
    EXPECT_EQ(run("chaos --bogus").exit_code, 2);
    EXPECT_EQ(run("").exit_code, 2);
    EXPECT_EQ(run("replay").exit_code, 2);
    EXPECT_EQ(run("replay x --shuffle --exhaustive").exit_code, 2);
    EXPECT_EQ(run("chaos --help").exit_code, 0);
    const CliRun unwritable = run("chaos --json /nonexistent-dir/report.json");
    EXPECT_EQ(unwritable.exit_code, 2);
    EXPECT_THAT(unwritable.err, HasSubstr("cannot open /nonexistent-dir/report.json for writing"));
    EXPECT_EQ(unwritable.out, ""); // refused before anything ran
}

TEST_F(Cli, GroupsSelectTheSeedsGroups) {
    const CliRun result = run("chaos --group reject");
    EXPECT_EQ(result.exit_code, 0) << result.out;
    EXPECT_THAT(result.out, HasSubstr("reject_entry"));
    EXPECT_THAT(result.out, HasSubstr("reject_exit"));
    EXPECT_THAT(result.out, HasSubstr("2 scenario run(s)"));
}

TEST_F(Cli, CaptureThenReplayEveryWay) {
    const CliRun capture = run("chaos --scenario entry_reconcile_exit --scenario rapid_entry_exit --capture " +
                               quoted(path("cap").string()));
    ASSERT_EQ(capture.exit_code, 0) << capture.err;
    const std::string log = quoted(path("cap/entry_reconcile_exit.inputs.jsonl").string());
    const std::string events = quoted(path("cap/rapid_entry_exit.events.jsonl").string());

    const CliRun ordered = run("replay " + log);
    EXPECT_EQ(ordered.exit_code, 0) << ordered.out << ordered.err;
    EXPECT_THAT(ordered.out, HasSubstr("kernel input log"));
    EXPECT_THAT(ordered.out, HasSubstr("reached by 1 ordering(s)  (recorded)"));
    EXPECT_THAT(ordered.out, HasSubstr("every ordering converges to the same state"));

    const CliRun shuffled = run("replay " + log + " --shuffle --seed 7");
    EXPECT_EQ(shuffled.exit_code, 0) << shuffled.out;

    const CliRun exhaustive = run("replay " + log + " --exhaustive --json " + quoted(path("rep.json").string()));
    EXPECT_EQ(exhaustive.exit_code, 0) << exhaustive.out;
    EXPECT_THAT(exhaustive.out, HasSubstr("(every ordering)"));
    const Json summary = Json::parse(read_file(path("rep.json")));
    EXPECT_EQ(summary["passed"], true);
    EXPECT_EQ(summary["exhaustive"], true);
    EXPECT_EQ(summary["orderings"], 4); // batches of 2, 1 and 2 events
    EXPECT_EQ(summary["states"].size(), 1u);

    const CliRun stream = run("replay " + events + " --exhaustive");
    EXPECT_EQ(stream.exit_code, 0) << stream.out;
    EXPECT_THAT(stream.out, HasSubstr("venue events"));
    EXPECT_THAT(stream.out, HasSubstr("orderings  24 (every ordering)"));
}

TEST_F(Cli, ReplayOfATamperedLogExitsOne) {
    ASSERT_EQ(run("chaos --scenario rapid_entry_exit --capture " + quoted(path("cap").string())).exit_code, 0);
    std::string text = read_file(path("cap/rapid_entry_exit.inputs.jsonl"));
    const auto at = text.find("\"avg_fill_price\":\"100.0\"");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 24, "\"avg_fill_price\":\"100.5\"");
    write_file(path("tampered.jsonl"), text);
    const CliRun result = run("replay " + quoted(path("tampered.jsonl").string()));
    EXPECT_EQ(result.exit_code, 1) << result.out;
    EXPECT_THAT(result.out, HasSubstr("differs from the recorded"));
}

TEST_F(Cli, ReplayOfAMalformedFileExitsTwo) {
    write_file(path("bad.jsonl"), "{\"kind\": \"FILL\", \"cum_fee\": 1}\n");
    const CliRun result = run("replay " + quoted(path("bad.jsonl").string()));
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(result.err, HasSubstr("bad.jsonl: line 1: /status: missing field"));
    EXPECT_EQ(run("replay " + quoted(path("missing.jsonl").string())).exit_code, 2);
}

TEST_F(Cli, ScenariosListsAndExports) {
    const CliRun list = run("scenarios");
    EXPECT_EQ(list.exit_code, 0);
    for (const ChaosScenario& one : builtin_scenarios()) EXPECT_THAT(list.out, HasSubstr(one.name));
    EXPECT_THAT(list.out, HasSubstr("partial_fill_ratio=0.5"));
    EXPECT_THAT(list.out, HasSubstr("reject_entries=true"));
    const CliRun exported = run("scenarios --export " + quoted(path("out").string()));
    EXPECT_EQ(exported.exit_code, 0);
    // The exported files are the ones shipped in scenarios/ (the FIELD ones too).
    std::vector<ChaosScenario> shipped(builtin_scenarios().begin(), builtin_scenarios().end());
    shipped.insert(shipped.end(), field_scenarios().begin(), field_scenarios().end());
    EXPECT_THAT(list.out, HasSubstr("FIELD"));
    for (const ChaosScenario& one : shipped) {
        EXPECT_EQ(read_file(path("out") / (one.name + ".json")),
                  read_file(fs::path(DITA_SOURCE_DIR) / "scenarios" / (one.name + ".json")))
            << one.name;
    }
}

TEST_F(Cli, LongRunsDrawAProgressBarOnATerminalOnly) {
    if (std::system("command -v script > /dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux script(1) is not installed";
    // script(1) gives the CLI a pseudo-terminal; its transcript is what a user would see.
    const std::string inner = quoted(DITA_CLI_PATH) + " chaos --repeat 5 --no-replay";
    const fs::path transcript = path("tty.txt");
    const int status = std::system(("script -qec " + quoted(inner) + " /dev/null > " + quoted(transcript.string()) +
                                    " 2>&1 < /dev/null").c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    const std::string seen = read_file(transcript);
    EXPECT_THAT(seen, HasSubstr("50/50 scenario runs"));
    EXPECT_THAT(seen, HasSubstr("[##############################]"));
    // Not a terminal: no bar, whatever the length.
    const CliRun piped = run("chaos --repeat 5 --no-replay");
    EXPECT_EQ(piped.exit_code, 0);
    EXPECT_THAT(piped.err, Not(HasSubstr("scenario runs")));
}

TEST_F(Cli, DemoStillWorks) {
    const CliRun result = run("demo --cycles 2 --quiet");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.out, HasSubstr("capital identity (capital == initial + realized - fees): holds"));
}

} // namespace
} // namespace dita::chaos
