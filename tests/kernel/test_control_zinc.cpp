#include <gtest/gtest.h>

#include "kernel/harness.hpp"

namespace dita::test {
namespace {

TEST(ControlPlane, UpdatesOnlyWhatIsGivenAndCountsVersions) {
    InMemoryControlPlane control;
    EXPECT_TRUE(control.update(ControlUpdate{.mode = KernelMode::DEBUG, .reason = "investigate"}).accepted);
    EXPECT_EQ(control.state().mode, KernelMode::DEBUG);
    EXPECT_FALSE(control.state().trace_transitions);
    EXPECT_EQ(control.state().last_reason, "investigate");
    EXPECT_TRUE(control.update(ControlUpdate{.verbosity = KernelVerbosity::TRACE, .trace_transitions = true}).accepted);
    EXPECT_EQ(control.state().mode, KernelMode::DEBUG);
    EXPECT_EQ(control.state().verbosity, KernelVerbosity::TRACE);
    EXPECT_EQ(control.state().version, 2u);
}

TEST(ZincPlane, RecordsEveryOutcomeAndTransitionsOnlyWhenTracing) {
    Harness h({}, 2, false);
    h.enter(0);
    EXPECT_EQ(h.zinc.outcomes().size(), 1u);
    EXPECT_TRUE(h.zinc.transitions().empty());
    h.control.update(ControlUpdate{.trace_transitions = true});
    h.exit(0);
    EXPECT_EQ(h.zinc.outcomes().size(), 2u);
    EXPECT_FALSE(h.zinc.transitions().empty());
    EXPECT_EQ(h.zinc.outcomes().back().input_ref, "t2-EXIT");
    ASSERT_EQ(h.zinc.terminal_records().size(), 1u);
    EXPECT_EQ(h.zinc.terminal_records()[0].trade_id, Id("trade-1"));
}

// A plane that keeps nothing (a replay's) is handed outcomes only: no slot states, terminal
// records or finished orders are built for it, and the kernel ends in the same state as one
// that journals everything (trades of two exit legs, a refused cancel among them).
TEST(ZincPlane, APlaneThatKeepsNothingIsGivenOnlyOutcomes) {
    class KeepingNothing final : public ZincPlane {
    public:
        void record_outcome(const KernelOutcome&, std::string_view) override { ++outcomes; }
        void record_transition(const Transition&) override {}
        void write_terminal(const TradeRecord&) override { ++records; }
        void record_state(std::uint64_t, const TradeSlot&, std::span<const OrderRecord>, const AccountTotals&) override {
            ++records;
        }
        void record_finished_order(const FinishedOrder&) override { ++records; }
        std::optional<RecoveredState> recover() const override { return std::nullopt; }
        bool keeps_records() const override { return false; }
        int outcomes = 0;
        int records = 0;
    };
    const MockVenueScenario scenario{};
    Harness journaled(scenario);
    VirtualClock clock;
    InMemoryControlPlane control;
    control.update(ControlUpdate{.trace_transitions = true});
    MockVenueAdapter venue(scenario, &clock);
    KeepingNothing plane;
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, plane, clock);
    const auto both = [&](const KernelIntent& intent) {
        const KernelOutcome kept = journaled.kernel.process_intent(intent);
        const KernelOutcome discarded = kernel.process_intent(intent);
        EXPECT_EQ(kept.diagnostic_code, discarded.diagnostic_code) << intent.intent_id;
    };
    for (int round = 0; round < 3; ++round) {
        KernelIntent enter = journaled.make(KernelCommandType::ENTER, 0);
        enter.exit_leg_ratios = {0.5, 1.0};
        both(enter);
        both(journaled.make(KernelCommandType::CANCEL, 0));
        both(journaled.make(KernelCommandType::EXIT, 0));
        both(journaled.make(KernelCommandType::EXIT, 0));
    }
    EXPECT_GT(journaled.zinc.terminal_records().size(), 0u);
    EXPECT_EQ(plane.outcomes, static_cast<int>(journaled.zinc.outcomes().size()));
    EXPECT_EQ(plane.records, 0);
    EXPECT_EQ(kernel.state_hash(), journaled.kernel.state_hash());
    EXPECT_EQ(kernel.account(), journaled.kernel.account());
}

TEST(ZincPlane, BoundedCapacityDropsTheOldestAndCountsThem) {
    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue;
    InMemoryZincPlane zinc(4);
    ExecutionKernel kernel(KernelConfig{}, control, venue, zinc, clock);
    for (int i = 0; i < 10; ++i) {
        KernelIntent mark;
        mark.intent_id = "m" + std::to_string(i);
        mark.trade_id = "t";
        mark.action = KernelCommandType::MARK_PRICE;
        mark.reference_price = 100.0 + i;
        kernel.process_intent(mark);
    }
    EXPECT_EQ(zinc.outcomes().size(), 4u);
    EXPECT_EQ(zinc.outcomes_dropped(), 6u);
    EXPECT_EQ(zinc.outcomes().front().input_ref, "m6");
}

TEST(ZincPlane, RecoverHoldsTheNewestStatePerSlotAndTheTotals) {
    Harness h;
    EXPECT_FALSE(h.zinc.recover().has_value());
    h.enter(0);
    h.exit(0);
    h.enter(1);
    const auto recovered = h.zinc.recover();
    ASSERT_TRUE(recovered);
    ASSERT_EQ(recovered->slots.size(), 2u);
    EXPECT_EQ(recovered->slots[0].slot, h.kernel.slot(0));
    EXPECT_EQ(recovered->slots[1].slot, h.kernel.slot(1));
    EXPECT_EQ(recovered->totals, h.kernel.totals());
    EXPECT_EQ(recovered->slots[1].orders.size(), 1u);
}

TEST(DebugMode, SelfChecksRunWithoutFalseAlarms) {
    Harness h;
    h.control.update(ControlUpdate{.mode = KernelMode::DEBUG});
    for (int i = 0; i < 5; ++i) {
        EXPECT_NE(h.enter(0).diagnostic_code, KernelDiagnosticCode::INVARIANT_BROKEN);
        EXPECT_NE(h.exit(0).diagnostic_code, KernelDiagnosticCode::INVARIANT_BROKEN);
    }
}

} // namespace
} // namespace dita::test
