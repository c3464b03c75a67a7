// Hostile and careless input to everything the CLI reads (issue 12): every case is refused
// with exit 2, the file, the place and the limit, and never kills the process by a signal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cli_runner.hpp"
#include "dita/chaos/input_log.hpp"
#include "dita/chaos/scenario_io.hpp"
#include "dita/chaos/sequencer.hpp"
#include "dita/chaos/text_lines.hpp"
#include "dita/contracts/json.hpp"

namespace dita::chaos {
namespace {

using testing::HasSubstr;
using testing::Not;

constexpr const char* one_step = R"({"name": "x", "steps": [{"action": "WAIT"}]})";

std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// --- the strict reader every file goes through -------------------------------------------

TEST(JsonText, NestingIsRefusedBeforeParsingWithItsPlace) {
    const auto deep = parse_json_text(nested(60'000));
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().offset, 64u);
    EXPECT_THAT(deep.error().reason, HasSubstr("nesting deeper than 64 levels"));
    EXPECT_TRUE(parse_json_text(nested(64)).ok());
    // Brackets inside strings are text, not nesting.
    EXPECT_TRUE(parse_json_text("[\"" + std::string(1000, '[') + "\"]").ok());
}

TEST(JsonText, OneDocumentAndNothingAfterIt) {
    const auto nul = parse_json_text(std::string("{\"a\": 1}\0garbage", 16));
    ASSERT_FALSE(nul.ok());
    EXPECT_EQ(nul.error().offset, 8u);
    EXPECT_THAT(nul.error().reason, HasSubstr("control byte 0x00"));
    const auto trailing = parse_json_text("{\"a\": 1} {\"b\": 2}");
    ASSERT_FALSE(trailing.ok());
    EXPECT_THAT(trailing.error().reason, HasSubstr("invalid JSON"));
    EXPECT_TRUE(parse_json_text("{\"a\": 1}\n\r\t ").ok());
    EXPECT_FALSE(parse_json_text("").ok());
}

TEST(JsonText, DuplicateKeysAreNamedByTheirPointer) {
    const auto twice = parse_json_text(R"({"steps": [{"action": "ENTER"}, {"action": "EXIT", "action": "ENTER"}]})");
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().pointer, "/steps/1/action");
    EXPECT_THAT(twice.error().reason, HasSubstr("duplicate key"));
    // The same key in sibling objects is fine.
    EXPECT_TRUE(parse_json_text(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}}])").ok());
    // Escapes name the same key.
    EXPECT_FALSE(parse_json_text(R"({"a": 1, "\u0061": 2})").ok());
}

TEST(JsonText, CountsAndSizesAreBounded) {
    JsonTextLimits small;
    small.bytes_max = 100;
    small.values_max = 10;
    small.object_members_max = 3;
    EXPECT_THAT(parse_json_text(std::string(101, ' '), small).error().reason, HasSubstr("at most 100"));
    EXPECT_THAT(parse_json_text("[1,2,3,4,5,6,7,8,9,10,11,12]", small).error().reason, HasSubstr("more than 10 values"));
    EXPECT_THAT(parse_json_text(R"({"a":1,"b":2,"c":3,"d":4})", small).error().reason,
                HasSubstr("more than 3 members"));
    EXPECT_TRUE(parse_json_text(R"({"a":1,"b":2,"c":3})", small).ok());
}

TEST(JsonText, ErrorsQuoteABoundedExcerpt) {
    const auto unterminated = parse_json_text("[\"" + std::string(1'000'000, 'a'));
    ASSERT_FALSE(unterminated.ok());
    EXPECT_LT(unterminated.error().reason.size(), 300u);
    const auto huge_number = parse_json_text("[1" + std::string(100'000, '0') + "]");
    ASSERT_FALSE(huge_number.ok());
    EXPECT_LT(huge_number.error().reason.size(), 300u);
    const auto long_key = parse_scenarios("{\"" + std::string(1'000'000, 'k') + "\": 1}", "f.json");
    ASSERT_FALSE(long_key.ok());
    EXPECT_LT(long_key.error().message().size(), 2'000u);
    // A name too long to accept is quoted cut, not whole (libFuzzer found a refusal of 7.9 KB).
    const auto long_name = parse_scenarios("{\"name\": \"" + std::string(50'000, 'n') + "\", \"steps\": []}", "f.json");
    ASSERT_FALSE(long_name.ok());
    EXPECT_LT(long_name.error().message().size(), 400u);
    EXPECT_THAT(long_name.error().message(), HasSubstr("/name (scenario 'nnn"));
    EXPECT_THAT(long_name.error().message(), HasSubstr("...'): expected a name of 1 to 100 printable characters"));
}

TEST(ScenarioText, EveryLimitNamesTheFileThePlaceAndTheLimit) {
    const auto deep = parse_scenarios(std::string("{\"name\": \"x\",\n \"steps\": ") + nested(60'000) + "}", "deep.json");
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error().message(), "deep.json: line 2, column 26: nesting deeper than 16 levels");
    std::string members = "{\"name\": \"x\", \"steps\": [{\"action\": \"WAIT\", \"metadata\": {";
    for (int i = 0; i < 300; ++i) members += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": 1";
    members += "}}]}";
    const auto wide = parse_scenarios(members, "wide.json");
    ASSERT_FALSE(wide.ok());
    EXPECT_THAT(wide.error().message(), HasSubstr("an object of more than 256 members"));
    const auto duplicate = parse_scenarios(R"({"name": "x", "name": "y", "steps": [{"action": "WAIT"}]})", "dup.json");
    ASSERT_FALSE(duplicate.ok());
    EXPECT_EQ(duplicate.error().message(), "dup.json: /name: duplicate key (a JSON object names each key once)");
    EXPECT_TRUE(parse_scenarios(one_step, "ok.json").ok());
}

// --- captures -------------------------------------------------------------------------------

TEST(CaptureText, LinesAreReadWithABound) {
    std::istringstream endless(std::string(5'000, '\0'));
    const BoundedLine line = read_bounded_line(endless, 100);
    EXPECT_EQ(line.status, LineStatus::TOO_LONG);
    EXPECT_EQ(line.text.size(), 100u);
    std::istringstream two("a\nbc");
    EXPECT_EQ(read_bounded_line(two, 10).text, "a");
    const BoundedLine last = read_bounded_line(two, 10);
    EXPECT_EQ(last.status, LineStatus::LINE);
    EXPECT_EQ(last.text, "bc");
    EXPECT_EQ(read_bounded_line(two, 10).status, LineStatus::END);
}

TEST(CaptureText, AHeaderOfWrongTypesIsNotAnInputLog) {
    EXPECT_FALSE(looks_like_input_log(R"({"record": 1, "format": "dita-input-log"})"));
    EXPECT_FALSE(looks_like_input_log(R"({"record": "header", "format": ["dita-input-log"]})"));
    EXPECT_FALSE(looks_like_input_log(R"({"record": "header", "record": "header", "format": "dita-input-log"})"));
    EXPECT_FALSE(looks_like_input_log(nested(10'000)));
    std::istringstream typed(R"({"record": "header", "format": "dita-input-log", "version": "1"})" "\n");
    const auto log = read_input_log(typed, "log.jsonl");
    ASSERT_FALSE(log.ok());
    EXPECT_THAT(log.error().message(), HasSubstr("log.jsonl: line 1: /version: expected an integer"));
}

TEST(CaptureText, EventLinesAreStrict) {
    std::istringstream deep(nested(100'000) + "\n");
    const auto events = read_events_jsonl(deep, "e.jsonl");
    ASSERT_FALSE(events.ok());
    EXPECT_THAT(events.error().message(), HasSubstr("e.jsonl: line 1: not valid JSON at column 17: nesting deeper than 16 levels"));
    std::istringstream garbage(std::string("{\"kind\": \"FILL\"}\0xyz\n", 21));
    EXPECT_THAT(read_events_jsonl(garbage, "g.jsonl").error().message(), HasSubstr("control byte 0x00"));
}

// --- the binary -------------------------------------------------------------------------------

TEST_F(Cli, DeepNestingIsRefusedNotACrash) {
    write_file(path("deep.json"), nested(60'000));
    const CliRun chaos = run("chaos --scenario-file " + quoted(path("deep.json").string()));
    EXPECT_EQ(chaos.exit_code, 2) << chaos.err;
    EXPECT_THAT(chaos.err, HasSubstr(path("deep.json").string() + ": line 1, column 17: nesting deeper than 16 levels"));
    write_file(path("deep.jsonl"), nested(60'000) + "\n");
    const CliRun replay = run("replay " + quoted(path("deep.jsonl").string()));
    EXPECT_EQ(replay.exit_code, 2) << replay.err;
    EXPECT_THAT(replay.err, HasSubstr("nesting deeper than 16 levels"));
}

TEST_F(Cli, TrailingBytesAndDuplicateKeysAreRefused) {
    write_file(path("nul.json"), std::string(one_step) + std::string("\0garbage", 8));
    const CliRun nul = run("chaos --scenario-file " + quoted(path("nul.json").string()));
    EXPECT_EQ(nul.exit_code, 2);
    EXPECT_THAT(nul.err, HasSubstr("control byte 0x00"));
    write_file(path("dup.json"), R"({"name": "x", "steps": [{"action": "WAIT", "action": "ENTER"}]})");
    const CliRun dup = run("chaos --scenario-file " + quoted(path("dup.json").string()));
    EXPECT_EQ(dup.exit_code, 2);
    EXPECT_THAT(dup.err, HasSubstr("dup.json: /steps/0/action: duplicate key"));
    EXPECT_EQ(run("chaos --scenario-file " + quoted(dir_.string())).exit_code, 2);
}

TEST_F(Cli, ReplayRefusesWhatIsNotACapture) {
    write_file(path("empty.jsonl"), "");
    const CliRun empty = run("replay " + quoted(path("empty.jsonl").string()));
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_THAT(empty.err, HasSubstr("not a capture"));
    write_file(path("blank.jsonl"), "\n \n");
    EXPECT_EQ(run("replay " + quoted(path("blank.jsonl").string())).exit_code, 2);
    const CliRun directory = run("replay " + quoted(dir_.string()));
    EXPECT_EQ(directory.exit_code, 2);
    EXPECT_THAT(directory.err, HasSubstr("not a regular file"));
    const CliRun zero = run("replay /dev/zero");
    EXPECT_EQ(zero.exit_code, 2);
    // A line with no end, read with a bound.
    write_file(path("long.jsonl"), std::string((1u << 20) + 10, 'x'));
    const CliRun long_line = run("replay " + quoted(path("long.jsonl").string()));
    EXPECT_EQ(long_line.exit_code, 2);
    EXPECT_THAT(long_line.err, HasSubstr("line 1: line longer than 1048576 bytes"));
}

TEST_F(Cli, ACaptureHeaderOfWrongTypesExitsTwo) {
    for (const std::string header : {R"({"record": 7, "format": "dita-input-log"})",
                                     R"({"record": "header", "format": {"x": 1}})",
                                     R"({"record": "header", "format": "dita-input-log", "version": [1]})",
                                     R"({"record": "header", "format": "dita-input-log", "version": 1, "max_slots": "2"})"}) {
        write_file(path("typed.jsonl"), header + "\n");
        const CliRun result = run("replay " + quoted(path("typed.jsonl").string()));
        EXPECT_EQ(result.exit_code, 2) << header << "\n" << result.err;
        EXPECT_THAT(result.err, HasSubstr("typed.jsonl: line 1")) << header;
    }
}

TEST_F(Cli, EveryFlagIsValidatedAndNamed) {
    const auto refused = [this](const std::string& args, const std::string& flag) {
        const CliRun result = run(args);
        EXPECT_EQ(result.exit_code, 2) << args << "\n" << result.out << result.err;
        EXPECT_THAT(result.err, HasSubstr(flag)) << args;
    };
    refused("demo --partial-fill-ratio nan", "--partial-fill-ratio");
    refused("demo --partial-fill-ratio inf", "--partial-fill-ratio");
    refused("demo --partial-fill-ratio -0.5", "--partial-fill-ratio");
    refused("fuzz --start -1 --seeds 1", "--start");
    refused("fuzz --seeds -1", "--seeds");
    refused("fuzz --shard 1/-1 --seeds 1", "--shard");
    refused("fuzz --shard -1/2 --seeds 1", "--shard");
    refused("fuzz --shard 0/0 --seeds 1", "--shard");
    refused("fuzz --start 18446744073709551615 --seeds 2", "--start");
    refused("fuzz --start 18446744073709551616 --seeds 1", "--start");
    refused("fuzz --time-limit nan --seeds 1", "--time-limit");
    refused("fuzz --replay-every -1 --seeds 1", "--replay-every");
    refused("fuzz --failures-max -1 --seeds 1", "--failures-max");
    refused("chaos --seed -5", "--seed");
    refused("chaos --max-order-qty nan", "--max-order-qty");
    refused("chaos --max-order-notional -1", "--max-order-notional");
    refused("replay x.jsonl --seed -1", "--seed");
    // The last seed there is runs, alone.
    const CliRun last = run("fuzz --start 18446744073709551615 --seeds 1 --no-progress");
    EXPECT_EQ(last.exit_code, 0) << last.out << last.err;
}

} // namespace
} // namespace dita::chaos
