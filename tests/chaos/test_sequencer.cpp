// EventSequencer: thread-safe capture, JSON lines, replays in every order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>

#include "dita/chaos/orchestrator.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/chaos/sequencer.hpp"

namespace dita::chaos {
namespace {

using testing::HasSubstr;

std::vector<VenueEvent> events_of(const std::string& scenario) {
    const auto stack = build_test_kernel(find_scenario(scenario)->venue);
    return run_chaos_scenario(*stack, *find_scenario(scenario)).events;
}

TEST(EventSequencer, CaptureIsThreadSafe) {
    EventSequencer sequencer;
    constexpr int threads = 8;
    constexpr int per_thread = 2000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&sequencer, t] {
            for (int i = 0; i < per_thread; ++i) {
                VenueEvent event;
                event.slot_id = t;
                event.venue_sequence = static_cast<std::uint64_t>(i);
                sequencer.capture(event);
            }
        });
    }
    for (std::thread& worker : workers) worker.join();
    ASSERT_EQ(sequencer.count(), static_cast<std::size_t>(threads * per_thread));
    // Each thread's events keep their order; none is lost or torn.
    std::vector<std::uint64_t> next(threads, 0);
    for (const VenueEvent& event : sequencer.events()) {
        ASSERT_EQ(event.venue_sequence, next[static_cast<std::size_t>(event.slot_id)]++);
    }
    sequencer.clear();
    EXPECT_EQ(sequencer.count(), 0u);
}

TEST(EventSequencer, SaveAndLoadKeepEveryField) {
    EventSequencer sequencer;
    sequencer.capture_many(events_of("entry_reconcile_exit"));
    VenueEvent mark;
    mark.kind = KernelEventKind::MARK_PRICE;
    mark.status = VenueEventStatus::INFO;
    mark.price = *Decimal::parse("67123.45678901");
    mark.venue_sequence = UINT64_MAX;
    mark.timestamp_ns = -5;
    sequencer.capture(mark);
    std::stringstream text;
    sequencer.write_jsonl(text);
    const auto loaded = read_events_jsonl(text, "events.jsonl");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    EXPECT_EQ(loaded.value(), sequencer.events());
}

TEST(EventSequencer, MalformedLinesAreRefusedWithLineAndField) {
    std::stringstream text;
    EventSequencer sequencer;
    sequencer.capture_many(events_of("rapid_entry_exit"));
    sequencer.write_jsonl(text);
    std::string lines = text.str();
    lines += "\n{\"kind\": \"FILL\", \"status\": \"FILLED\", \"cum_fee\": 0.1}\n";
    std::stringstream bad(lines);
    const auto loaded = read_events_jsonl(bad, "events.jsonl");
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().source, "events.jsonl");
    EXPECT_EQ(loaded.error().place, "line 6: /cum_fee");
    EXPECT_THAT(loaded.error().reason, HasSubstr("exact decimal string"));

    std::stringstream garbage("{\"kind\": \n");
    const auto not_json = read_events_jsonl(garbage, "g.jsonl");
    ASSERT_FALSE(not_json.ok());
    EXPECT_EQ(not_json.error().place, "line 1");
    EXPECT_THAT(not_json.error().reason, HasSubstr("not valid JSON"));
}

TEST(EventSequencer, ShuffledReplayIsSeededAndDeterministic) {
    EventSequencer sequencer;
    sequencer.capture_many(events_of("entry_exit_10x"));
    ASSERT_EQ(sequencer.count(), 40u);
    const auto a = build_test_kernel();
    const auto b = build_test_kernel();
    const auto outcomes_a = sequencer.replay_against(a->kernel(), true, 7);
    const auto outcomes_b = sequencer.replay_against(b->kernel(), true, 7);
    ASSERT_EQ(outcomes_a.size(), 40u);
    std::vector<std::string> order_a;
    std::vector<std::string> order_b;
    for (std::size_t i = 0; i < outcomes_a.size(); ++i) {
        order_a.push_back(outcomes_a[i].details);
        order_b.push_back(outcomes_b[i].details);
    }
    EXPECT_EQ(order_a, order_b);
    const auto ordered = build_test_kernel();
    const auto outcomes_ordered = sequencer.replay_against(ordered->kernel(), false);
    EXPECT_NE(outcomes_ordered.front().details, outcomes_a.front().details);
}

TEST(EventOrderings, ShortStreamsGetEveryPermutation) {
    const EventOrderings orders = event_orderings(4, 10, 1);
    EXPECT_TRUE(orders.exhaustive);
    ASSERT_EQ(orders.orders.size(), 24u);
    const std::set<std::vector<std::size_t>> unique(orders.orders.begin(), orders.orders.end());
    EXPECT_EQ(unique.size(), 24u);
    EXPECT_EQ(event_orderings(8, 10, 1).orders.size(), 40'320u);
}

TEST(EventOrderings, LongStreamsGetSampledOrdersStartingWithTheCapturedOne) {
    const EventOrderings orders = event_orderings(9, 16, 3);
    EXPECT_FALSE(orders.exhaustive);
    ASSERT_EQ(orders.orders.size(), 16u);
    EXPECT_EQ(orders.orders.front(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(orders.orders, event_orderings(9, 16, 3).orders);
}

TEST(EventOrderings, EveryOrderOfAShortStreamLeavesNoSlotStuck) {
    const std::vector<VenueEvent> events = events_of("rapid_entry_exit");
    ASSERT_EQ(events.size(), 4u);
    EventSequencer sequencer;
    sequencer.capture_many(events);
    std::set<std::uint64_t> hashes;
    for (const auto& order : event_orderings(events.size(), 1, 0).orders) {
        const auto stack = build_test_kernel();
        for (const KernelOutcome& outcome : sequencer.replay_in_order(stack->kernel(), order)) {
            ASSERT_NE(outcome.diagnostic_code, KernelDiagnosticCode::INVALID_SLOT_ID);
            ASSERT_NE(outcome.severity, KernelSeverity::CRITICAL);
        }
        for (int slot = 0; slot < 2; ++slot) {
            ASSERT_NE(stack->kernel().slot(slot).fsm_state, TradeStage::STALE_STATE_RECONCILING);
        }
        hashes.insert(stack->kernel().state_hash());
    }
    EXPECT_EQ(hashes.size(), 1u);
}

} // namespace
} // namespace dita::chaos
