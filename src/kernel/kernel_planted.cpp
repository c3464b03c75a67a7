// The planted bugs (CMake's DITA_PLANT_BUG), for proving that the chaos campaigns find and
// shrink a real kernel bug. Never for real use: a normal build compiles these but never calls
// them (kernel_context.hpp's `planted_bug` is NONE).
#include "kernel_context.hpp"

namespace dita {

bool ExecutionKernel::planted_recount(Ctx& ctx, OrderEntry& entry, TradeSlot& slot, const OrderRecord& before,
                                      const OrderRecord& after, const VenueEvent& event, bool in_reconcile) {
    // duplicate_fill: a repeated fill report is counted again, as a kernel that sums fill deltas
    // instead of merging cumulatives would.
    if (!(after == before && event.kind == KernelEventKind::FILL && event.cum_filled_qty.is_positive())) return false;
    OrderRecord shrunk = before;
    shrunk.cum_filled_qty = Decimal();
    shrunk.cum_fee = Decimal();
    entry.record = after;
    touch(ctx, slot.slot_id);
    if (after.purpose == OrderPurpose::ENTRY) {
        apply_entry_change(ctx, slot, shrunk, after, in_reconcile);
    } else {
        apply_exit_change(ctx, slot, shrunk, after, in_reconcile);
    }
    return true;
}

namespace detail {

void planted_forget_fill(TradeSlot& slot, const OrderRecord& canceled_entry) {
    // cancel_forgets_fill: the canceled entry's filled part is dropped from the slot.
    slot.size -= canceled_entry.cum_filled_qty;
}

} // namespace detail

} // namespace dita
