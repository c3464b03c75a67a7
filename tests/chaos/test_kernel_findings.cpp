// Kernel behaviour the chaos runs brought up, pinned by minimal tests on the kernel harness.
#include <gtest/gtest.h>

#include "kernel/harness.hpp"

namespace dita {
namespace {

// A reconcile whose venue truth matches what the kernel knows re-applies that truth as
// events; those duplicates are benign notes and must not hide the reconcile's own result.
TEST(KernelFindings, ReconcileMatchingVenueTruthReportsReconciled) {
    test::Harness h;
    ASSERT_EQ(h.enter(0).diagnostic_code, KernelDiagnosticCode::OK);
    ASSERT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
    const SlotSnapshot snapshot = h.kernel.slot_snapshot(0);
    const KernelOutcome outcome = h.kernel.reconcile_from_slots(std::span<const SlotSnapshot>(&snapshot, 1));
    EXPECT_EQ(outcome.diagnostic_code, KernelDiagnosticCode::RECONCILED) << outcome.details;
    EXPECT_EQ(h.kernel.slot(0).fsm_state, TradeStage::POSITION_OPEN);
}

// An EXIT while the entry still works cancels the entry's remainder, then exits what was filled.
// When the venue acks the cancel and a last fill of the entry races it (both in one delivery),
// the exit must close everything filled, whichever of the two events the kernel sees first.
// Found by `dita chaos` with late_fill_on_cancel_probability: the exit was sized from the
// position between the two events, so the two orders led to different exits.
TEST(KernelFindings, PendingExitClosesEverythingTheEntryFilledWhateverTheOrderInABatch) {
    MockVenueScenario venue;
    venue.partial_fill_ratio = 0.5;
    venue.late_fill_on_cancel_probability = 1.0;
    test::Harness h(venue);
    ASSERT_EQ(h.enter(0, 0.01).diagnostic_code, KernelDiagnosticCode::OK);
    ASSERT_EQ(h.kernel.slot(0).size, test::dec("0.005"));
    (void)h.exit(0, 0.0);
    const TradeSlot& slot = h.kernel.slot(0);
    ASSERT_EQ(slot.entry_filled, test::dec("0.006")); // the late fill arrived after the cancel ack
    const auto exit = h.kernel.order(slot.exit_order_id.view());
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(exit->qty, test::dec("0.006"));
}

} // namespace
} // namespace dita
