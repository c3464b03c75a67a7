// The kernel input log: exact replay, save/load, orderings, divergence, malformed files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "dita/chaos/input_log.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario.hpp"
#include "printers.hpp"

namespace dita::chaos {
namespace {

using testing::HasSubstr;

InputLog log_of(const std::string& scenario) {
    const auto stack = build_test_kernel(find_scenario(scenario)->venue);
    (void)run_chaos_scenario(*stack, *find_scenario(scenario));
    return stack->log();
}

class EveryBuiltin : public testing::TestWithParam<ChaosScenario> {};

TEST_P(EveryBuiltin, ReplayReproducesTheExactStateAlsoAfterSaveAndLoad) {
    const InputLog log = log_of(GetParam().name);
    ASSERT_NE(log.final_state_hash, 0u);
    EXPECT_EQ(log.venue_name, "mock");
    const ReplayRun replay = replay_log(log);
    EXPECT_FALSE(replay.divergence.has_value()) << *replay.divergence;
    EXPECT_EQ(replay.final_state_hash, log.final_state_hash);

    std::stringstream text;
    write_input_log(log, text);
    const auto loaded = read_input_log(text, "log.jsonl");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    EXPECT_EQ(loaded.value().final_state_hash, log.final_state_hash);
    EXPECT_EQ(loaded.value().inputs.size(), log.inputs.size());
    EXPECT_EQ(loaded.value().events(), log.events());
    const ReplayRun from_file = replay_log(loaded.value());
    EXPECT_FALSE(from_file.divergence.has_value()) << *from_file.divergence;
    EXPECT_EQ(from_file.final_state_hash, log.final_state_hash);
    // Writing what was read gives the same text: nothing is lost on the way.
    std::stringstream again;
    write_input_log(loaded.value(), again);
    EXPECT_EQ(again.str(), text.str());
}

TEST_P(EveryBuiltin, EveryEnumeratedOrderingConverges) {
    const InputLog log = log_of(GetParam().name);
    const OrderingPlan plan = plan_orderings(log, 64);
    const std::uint64_t runs = plan.exhaustive ? plan.total : 8;
    for (std::uint64_t i = 0; i < runs; ++i) {
        const ReplayRun replay =
            replay_log(log, plan.exhaustive ? ordering_transform(plan, i) : shuffle_batches(i));
        ASSERT_FALSE(replay.divergence.has_value()) << "ordering " << i << ": " << *replay.divergence;
        EXPECT_EQ(replay.final_state_hash, log.final_state_hash) << "ordering " << i;
    }
    const ReplayRun doubled = replay_log(log, duplicate_events());
    EXPECT_FALSE(doubled.divergence.has_value());
    EXPECT_EQ(doubled.final_state_hash, log.final_state_hash);
    EXPECT_EQ(doubled.events_delivered, 2 * log.event_count());
}

std::vector<ChaosScenario> builtins_and_variants() {
    std::vector<ChaosScenario> out(builtin_scenarios().begin(), builtin_scenarios().end());
    out.insert(out.end(), reject_scenarios().begin(), reject_scenarios().end());
    return out;
}

INSTANTIATE_TEST_SUITE_P(Builtins, EveryBuiltin, testing::ValuesIn(builtins_and_variants()),
                         [](const testing::TestParamInfo<ChaosScenario>& param_info) { return param_info.param.name; });

TEST(OrderingPlan, EnumeratesEveryCombinationOfBatchOrders) {
    const InputLog log = log_of("rapid_entry_exit");
    const OrderingPlan plan = plan_orderings(log);
    EXPECT_EQ(plan.batch_sizes, (std::vector<std::size_t>{2, 2}));
    EXPECT_TRUE(plan.exhaustive);
    ASSERT_EQ(plan.total, 4u);
    std::set<std::vector<KernelEventKind>> seen;
    for (std::uint64_t i = 0; i < plan.total; ++i) {
        std::vector<KernelEventKind> kinds;
        const BatchTransform transform = ordering_transform(plan, i);
        std::size_t batch = 0;
        for (const LoggedInput& input : log.inputs) {
            for (const VenueCall& call : input.calls) {
                if (call.kind != VenueCallKind::DRAIN || call.events.empty()) continue;
                for (const VenueEvent& event : transform(batch++, call.events)) kinds.push_back(event.kind);
            }
        }
        seen.insert(kinds);
    }
    EXPECT_EQ(seen.size(), 4u);
    const OrderingPlan big = plan_orderings(log_of("entry_exit_10x"));
    EXPECT_FALSE(big.exhaustive);
    EXPECT_EQ(big.batch_sizes.size(), 20u);
}

TEST(ReplayVenue, ReportsWhereAReplayDiverges) {
    InputLog log = log_of("rapid_entry_exit");
    // Drop the exit's submit: the kernel will call it, the log no longer has it.
    LoggedInput* exit = nullptr;
    for (LoggedInput& input : log.inputs) {
        if (input.kind == InputKind::INTENT && input.intent.action == KernelCommandType::EXIT) exit = &input;
    }
    ASSERT_NE(exit, nullptr);
    exit->calls.erase(exit->calls.begin());
    const ReplayRun replay = replay_log(log);
    ASSERT_TRUE(replay.divergence.has_value());
    EXPECT_THAT(*replay.divergence, HasSubstr("the kernel called SUBMIT(chaos-2-exit), the log has DRAIN()"));
}

TEST(ReplayVenue, ReportsUnusedRecordedCalls) {
    InputLog log = log_of("rapid_entry_exit");
    VenueCall extra;
    extra.kind = VenueCallKind::CANCEL;
    extra.client_order_id = "x";
    const std::size_t recorded = log.inputs.back().calls.size();
    log.inputs.back().calls.push_back(extra);
    const ReplayRun replay = replay_log(log);
    ASSERT_TRUE(replay.divergence.has_value());
    EXPECT_THAT(*replay.divergence, HasSubstr("the kernel made " + std::to_string(recorded) + " of the " +
                                              std::to_string(recorded + 1) +
                                              " recorded venue calls; next recorded: CANCEL(x)"));
}

TEST(ReplayVenue, AKernelActingOnOldEventsIsADivergence) {
    const InputLog log = log_of("rapid_entry_exit");
    LogReplayer replayer(log);
    const ReplayRun replay = replayer.run();
    ASSERT_FALSE(replay.divergence.has_value());
    // A fresh ENTER after the log: the kernel submits, which the log cannot answer.
    KernelIntent enter = log.inputs.front().intent;
    enter.intent_id = "after-the-log";
    (void)replayer.kernel().process_intent(enter);
    ASSERT_TRUE(replayer.divergence().has_value());
    EXPECT_THAT(*replayer.divergence(), HasSubstr("after the log: the kernel called SUBMIT(after-the-log)"));
}

struct BadLog {
    const char* label;
    std::string text;
    std::string place;
    std::string reason;
};

std::string valid_log_text() {
    std::stringstream text;
    write_input_log(log_of("rapid_entry_exit"), text);
    return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    return out;
}

TEST(InputLogFile, MalformedFilesAreRefusedWithLineFieldAndReason) {
    const std::vector<std::string> lines = lines_of(valid_log_text());
    ASSERT_GE(lines.size(), 4u);
    std::vector<BadLog> cases;
    cases.push_back({"empty", "", "", "empty file"});
    {
        auto cut = lines;
        cut.pop_back();
        cases.push_back({"no end", join(cut), "line " + std::to_string(cut.size()), "no end record"});
    }
    {
        auto swapped = lines;
        std::swap(swapped[0], swapped[1]);
        cases.push_back({"input first", join(swapped), "line 1: /record", "the first record must be the header"});
    }
    {
        auto broken = lines;
        broken[1] = broken[1].substr(0, broken[1].size() / 2);
        cases.push_back({"cut line", join(broken), "line 2", "not valid JSON"});
    }
    {
        auto wrong = lines;
        const auto at = wrong[1].find("\"qty\":\"0.01\"");
        ASSERT_NE(at, std::string::npos);
        wrong[1].replace(at, 12, "\"qty\":0.01");
        cases.push_back({"inexact qty", join(wrong), "line 2: /calls/0/qty", "exact decimal string"});
    }
    {
        auto count = lines;
        count.back() = R"({"record":"end","inputs":99,"truncated":false,"state_hash":"0000000000000001"})";
        cases.push_back({"wrong count", join(count), "line " + std::to_string(lines.size()) + ": /inputs",
                         "counts 99 inputs, the file has"});
    }
    {
        auto hash = lines;
        hash.back() = R"({"record":"end","inputs":)" + std::to_string(lines.size() - 2) +
                      R"(,"truncated":false,"state_hash":"xyz"})";
        cases.push_back({"bad hash", join(hash), "line " + std::to_string(lines.size()) + ": /state_hash",
                         "expected 16 lower-case hex digits"});
    }
    for (const BadLog& c : cases) {
        std::stringstream in(c.text);
        const auto loaded = read_input_log(in, "log.jsonl");
        ASSERT_FALSE(loaded.ok()) << c.label;
        EXPECT_EQ(loaded.error().source, "log.jsonl") << c.label;
        EXPECT_EQ(loaded.error().place, c.place) << c.label << ": " << loaded.error().message();
        EXPECT_THAT(loaded.error().reason, HasSubstr(c.reason)) << c.label << ": " << loaded.error().message();
    }
    EXPECT_TRUE(looks_like_input_log(lines.front()));
    EXPECT_FALSE(looks_like_input_log(lines[1]));
    EXPECT_FALSE(looks_like_input_log("not json"));
}

} // namespace
} // namespace dita::chaos
