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

} // namespace
} // namespace dita
