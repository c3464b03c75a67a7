#pragma once
// The value classes the module binds, declared once so every translation unit converts
// them the same way.
#include "dita/control/control_plane.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "dita/zinc/zinc_plane.hpp"
#include "fields.hpp"

namespace dita::py_binding {

// Python's TradeSlot: a copy of one slot taken when asked for, together with the records of
// its trade's orders, so that `_snapshot()` can hand it back to reconcile_from_slots even in
// another kernel (after a crash).
struct SlotView {
    SlotSnapshot snapshot;
    friend bool operator==(const SlotView&, const SlotView&) = default;
};

struct ControlResultView {
    bool accepted = true;
    std::string detail;
};

} // namespace dita::py_binding

#define DITA_VALUE_CLASS(T) \
    template <>             \
    struct dita::py_binding::is_value_class<T> : std::true_type {};

DITA_VALUE_CLASS(dita::VenueEvent)
DITA_VALUE_CLASS(dita::Transition)
DITA_VALUE_CLASS(dita::KernelOutcome)
DITA_VALUE_CLASS(dita::KernelDiagnostic)
DITA_VALUE_CLASS(dita::OrderRecord)
DITA_VALUE_CLASS(dita::py_binding::SlotView)
DITA_VALUE_CLASS(dita::SlotSnapshot)
DITA_VALUE_CLASS(dita::AccountSnapshot)
DITA_VALUE_CLASS(dita::AccountTotals)
DITA_VALUE_CLASS(dita::TradeRecord)
DITA_VALUE_CLASS(dita::OutcomeRecord)
DITA_VALUE_CLASS(dita::FinishedOrder)
DITA_VALUE_CLASS(dita::RecoveredState)
DITA_VALUE_CLASS(dita::InstrumentSpec)
DITA_VALUE_CLASS(dita::OrderRequest)
DITA_VALUE_CLASS(dita::CancelRequest)
DITA_VALUE_CLASS(dita::VenueCallResult)
DITA_VALUE_CLASS(dita::VenueOrder)
DITA_VALUE_CLASS(dita::VenuePosition)
DITA_VALUE_CLASS(dita::RiskLimits)
DITA_VALUE_CLASS(dita::ControlState)
DITA_VALUE_CLASS(dita::py_binding::ControlResultView)
DITA_VALUE_CLASS(dita::MockVenueCounters)

#undef DITA_VALUE_CLASS
