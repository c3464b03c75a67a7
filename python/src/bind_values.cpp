// The contracts' value classes (see fields.hpp for what each class gets).
#include <algorithm>

#include "dita/contracts/assert.hpp"
#include "dita/contracts/fields.hpp"
#include "values.hpp"

namespace dita::py_binding {

py::object hashable(py::handle value) {
    if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
        py::list items;
        for (py::handle item : value) items.append(hashable(item));
        return py::tuple(items);
    }
    if (PyDict_Check(value.ptr())) {
        py::list items;
        for (auto item : py::reinterpret_borrow<py::dict>(value)) {
            items.append(py::make_tuple(item.first, hashable(item.second)));
        }
        return py::tuple(items);
    }
    return py::reinterpret_borrow<py::object>(value);
}

namespace {

// A field of a struct with a field list, by its type: a timestamp in nanoseconds also reads
// as a datetime under the name without "_ns".
template <typename T, typename V>
void add_listed_field(FieldList<T>& f, const char* key, V T::*ptr) {
    f.push_back(member(key, ptr));
}
template <typename T>
void add_listed_field(FieldList<T>& f, const char* key, std::int64_t T::*ptr) {
    const std::string_view name(key);
    DITA_ASSERT(name.ends_with("_ns"));
    add_timestamp(f, ptr, key, std::string(name.substr(0, name.size() - 3)).c_str());
}

#define DITA_PY_LISTED_FIELD(member, key, required, hashed) add_listed_field(f, #key, &Struct::member);

FieldList<VenueEvent> venue_event_fields() {
    using Struct = VenueEvent;
    FieldList<VenueEvent> f;
    DITA_VENUE_EVENT_FIELDS(DITA_PY_LISTED_FIELD)
    return f;
}

FieldList<Transition> transition_fields() {
    FieldList<Transition> f;
    f.push_back(member("slot_id", &Transition::slot_id));
    f.push_back(member("from_state", &Transition::from));
    f.push_back(member("to_state", &Transition::to));
    f.push_back(member("input", &Transition::input));
    add_timestamp(f, &Transition::timestamp_ns);
    return f;
}

// The field tables of the structs with a field list (contracts/fields.hpp) come from it.
#define DITA_PY_MEMBER_OF_ORDER(member_name, key, required, hashed) f.push_back(member(#key, &OrderRecord::member_name));
// (Explicit: some of KernelDiagnostic's members are its DiagnosticFields base's.)
#define DITA_PY_MEMBER_OF_DIAGNOSTIC(member_name, key, required, hashed) \
    f.push_back(member<KernelDiagnostic, decltype(KernelDiagnostic::member_name)>(#key, &KernelDiagnostic::member_name));

FieldList<KernelDiagnostic> diagnostic_fields() {
    FieldList<KernelDiagnostic> f;
    DITA_KERNEL_DIAGNOSTIC_FIELDS(DITA_PY_MEMBER_OF_DIAGNOSTIC)
    return f;
}

FieldList<KernelOutcome> outcome_fields() {
    FieldList<KernelOutcome> f;
    f.push_back(member("diagnostic_code", &KernelOutcome::diagnostic_code));
    f.push_back(member("severity", &KernelOutcome::severity));
    f.push_back(member("details", &KernelOutcome::details));
    f.push_back(member("emitted_events", &KernelOutcome::emitted_events));
    f.push_back(member("transitions", &KernelOutcome::transitions));
    f.push_back(member("slot_id", &KernelOutcome::slot_id));
    f.push_back(member("input_sequence", &KernelOutcome::input_sequence));
    add_timestamp(f, &KernelOutcome::timestamp_ns);
    f.push_back(member("diagnostics", &KernelOutcome::diagnostics));
    f.push_back(member("diagnostics_dropped", &KernelOutcome::diagnostics_dropped));
    f.push_back(member("result_index", &KernelOutcome::result_index));
    f.push_back(derived<KernelOutcome>("ok", [](const KernelOutcome& o) { return py::object(py::bool_(o.ok())); }));
    // What the venue did by itself, settled by this input: one plain dict per slot reduced
    // (slot_id -1: what no slot held) or funding booked; machine-readable, JSON-ready.
    f.push_back(derived<KernelOutcome>("venue_moves", [](const KernelOutcome& o) {
        py::list out;
        for (const VenueMoveReport& m : o.venue_moves) {
            py::dict d;
            d["cause"] = py::str(std::string(to_string(m.cause)));
            d["asset"] = py::str(m.asset.str());
            d["side"] = py::str(std::string(to_string(m.side)));
            d["slot_id"] = py::int_(m.slot_id);
            d["trade_id"] = py::str(m.trade_id.str());
            d["venue_order_id"] = py::str(m.venue_order_id.str());
            d["size"] = decimal_to_py(m.size);
            d["price"] = decimal_to_py(m.price);
            d["fee"] = decimal_to_py(m.fee);
            out.append(std::move(d));
        }
        return py::object(std::move(out));
    }));
    f.push_back(derived<KernelOutcome>("result", [](const KernelOutcome& o) {
        const KernelDiagnostic* result = o.result();
        return result != nullptr ? py::cast(*result) : py::object(py::none());
    }));
    return f;
}

FieldList<OrderRecord> order_record_fields() {
    FieldList<OrderRecord> f;
    DITA_ORDER_RECORD_FIELDS(DITA_PY_MEMBER_OF_ORDER)
    f.push_back(derived<OrderRecord>("working", [](const OrderRecord& o) { return py::object(py::bool_(o.working())); }));
    return f;
}

// A slot's ids that may be absent read as None (an empty id means "none" in the kernel).
void add_listed_field(FieldList<TradeSlot>& f, const char* key, Id TradeSlot::*ptr) {
    auto get = [ptr](const TradeSlot& s) -> py::object {
        if ((s.*ptr).empty()) return py::none();
        return fixed_to_py(s.*ptr);
    };
    f.push_back(Field<TradeSlot>{key, get, get,
                                 [ptr](TradeSlot& s, py::handle h, const std::string& where) {
                                     s.*ptr = h.is_none() ? Id() : fixed_from_py<Id::capacity>(h, where);
                                 },
                                 true});
}

py::object legs_to_py(const ExitLegs& legs, bool as_list) {
    py::list out;
    for (std::size_t i = 0; i < legs.count; ++i) out.append(decimal_to_py(legs[i]));
    if (as_list) return out;
    return py::tuple(out);
}

// Exit legs: a tuple of Decimals as an attribute, a list in dicts.
void add_listed_field(FieldList<TradeSlot>& f, const char* key, ExitLegs TradeSlot::*ptr) {
    f.push_back(Field<TradeSlot>{
        key, [ptr](const TradeSlot& s) { return legs_to_py(s.*ptr, false); },
        [ptr](const TradeSlot& s) { return legs_to_py(s.*ptr, true); },
        [ptr](TradeSlot& s, py::handle h, const std::string& where) {
            const std::vector<Decimal> ratios = Conv<std::vector<Decimal>>::from(h, where);
            if (ratios.size() > exit_legs_max) {
                throw py::value_error(where + ": " + std::to_string(ratios.size()) + " legs, at most " +
                                      std::to_string(exit_legs_max) + " allowed");
            }
            ExitLegs& legs = s.*ptr;
            legs = ExitLegs{};
            std::copy(ratios.begin(), ratios.end(), legs.ratios.begin());
            legs.count = static_cast<std::uint8_t>(ratios.size());
        },
        true});
}

FieldList<TradeSlot> trade_slot_fields() {
    using Struct = TradeSlot;
    FieldList<TradeSlot> f;
    DITA_TRADE_SLOT_FIELDS(DITA_PY_LISTED_FIELD)
    f.push_back(derived<TradeSlot>("exit_price", [](const TradeSlot& s) { return decimal_to_py(s.exit_price()); }));
    return f;
}

FieldList<SlotView> slot_view_fields() {
    FieldList<SlotView> f;
    for (const Field<TradeSlot>& field : trade_slot_fields()) {
        f.push_back(lift<SlotView>(field, [](SlotView& v) -> TradeSlot& { return v.snapshot.slot; }));
    }
    f.push_back(lift<SlotView>(member("orders", &SlotSnapshot::orders),
                               [](SlotView& v) -> SlotSnapshot& { return v.snapshot; }));
    return f;
}

const FieldList<SlotView>& slot_view_field_list() {
    static const FieldList<SlotView> fields = slot_view_fields();
    return fields;
}

FieldList<SlotSnapshot> slot_snapshot_fields() {
    FieldList<SlotSnapshot> f;
    auto get = [](const SlotSnapshot& s) { return py::cast(SlotView{SlotSnapshot{s.slot, s.orders}}); };
    f.push_back(Field<SlotSnapshot>{
        "slot", get,
        [](const SlotSnapshot& s) {
            // The full slot state (not TradeSlot.to_dict's summary), so the dict can rebuild it.
            py::dict d = fields_to_dict(SlotView{SlotSnapshot{s.slot, {}}}, slot_view_field_list(), true);
            d.attr("pop")("orders");
            return py::object(std::move(d));
        },
        [](SlotSnapshot& s, py::handle h, const std::string& where) {
            s.slot = Conv<SlotView>::from(h, where).snapshot.slot;
        },
        true});
    f.push_back(member("orders", &SlotSnapshot::orders));
    return f;
}

FieldList<AccountSnapshot> account_fields() {
    using Struct = AccountSnapshot;
    FieldList<AccountSnapshot> f;
    DITA_ACCOUNT_SNAPSHOT_FIELDS(DITA_PY_LISTED_FIELD)
    return f;
}

FieldList<AccountTotals> totals_fields() {
    FieldList<AccountTotals> f;
    f.push_back(member("initial_capital", &AccountTotals::initial_capital));
    f.push_back(member("realized_pnl", &AccountTotals::realized_pnl));
    f.push_back(member("fees_paid", &AccountTotals::fees_paid));
    f.push_back(member("funding", &AccountTotals::funding));
    return f;
}

FieldList<TradeRecord> trade_record_fields() {
    using Struct = TradeRecord;
    FieldList<TradeRecord> f;
    DITA_TRADE_RECORD_FIELDS(DITA_PY_LISTED_FIELD)
    return f;
}

FieldList<OutcomeRecord> outcome_record_fields() {
    FieldList<OutcomeRecord> f;
    f.push_back(member("input_sequence", &OutcomeRecord::input_sequence));
    add_timestamp(f, &OutcomeRecord::timestamp_ns);
    f.push_back(member("diagnostic_code", &OutcomeRecord::code));
    f.push_back(member("severity", &OutcomeRecord::severity));
    f.push_back(member("slot_id", &OutcomeRecord::slot_id));
    f.push_back(member("input_ref", &OutcomeRecord::input_ref));
    f.push_back(member("details", &OutcomeRecord::details));
    f.push_back(member("diagnostics", &OutcomeRecord::diagnostics));
    return f;
}

FieldList<FinishedOrder> finished_order_fields() {
    FieldList<FinishedOrder> f;
    f.push_back(member("record", &FinishedOrder::record));
    f.push_back(member("slot_id", &FinishedOrder::slot_id));
    f.push_back(member("trade_id", &FinishedOrder::trade_id));
    f.push_back(member("asset", &FinishedOrder::asset));
    return f;
}

FieldList<RecoveredState> recovered_fields() {
    FieldList<RecoveredState> f;
    f.push_back(member("input_sequence", &RecoveredState::input_sequence));
    f.push_back(member("totals", &RecoveredState::totals));
    f.push_back(member("slots", &RecoveredState::slots));
    f.push_back(member("finished_orders", &RecoveredState::finished_orders));
    f.push_back(member("in_flight_orders", &RecoveredState::in_flight_orders));
    return f;
}

FieldList<InstrumentSpec> instrument_fields() {
    FieldList<InstrumentSpec> f;
    f.push_back(member("asset", &InstrumentSpec::asset));
    f.push_back(member("lot_step", &InstrumentSpec::lot_step));
    f.push_back(member("tick_size", &InstrumentSpec::tick_size));
    f.push_back(member("min_qty", &InstrumentSpec::min_qty));
    f.push_back(member("min_notional", &InstrumentSpec::min_notional));
    return f;
}

FieldList<OrderRequest> order_request_fields() {
    FieldList<OrderRequest> f;
    f.push_back(member("client_order_id", &OrderRequest::client_order_id));
    f.push_back(member("asset", &OrderRequest::asset));
    f.push_back(member("side", &OrderRequest::side));
    f.push_back(member("purpose", &OrderRequest::purpose));
    f.push_back(member("qty", &OrderRequest::qty));
    f.push_back(member("reference_price", &OrderRequest::reference_price));
    f.push_back(member("leverage", &OrderRequest::leverage));
    f.push_back(member("slot_id", &OrderRequest::slot_id));
    f.push_back(member("trade_id", &OrderRequest::trade_id));
    add_timestamp(f, &OrderRequest::timestamp_ns);
    return f;
}

FieldList<CancelRequest> cancel_request_fields() {
    FieldList<CancelRequest> f;
    f.push_back(member("client_order_id", &CancelRequest::client_order_id));
    f.push_back(member("venue_order_id", &CancelRequest::venue_order_id));
    f.push_back(member("asset", &CancelRequest::asset));
    f.push_back(member("slot_id", &CancelRequest::slot_id));
    return f;
}

FieldList<VenueCallResult> call_result_fields() {
    FieldList<VenueCallResult> f;
    f.push_back(member("status", &VenueCallResult::status));
    f.push_back(member("venue_order_id", &VenueCallResult::venue_order_id));
    f.push_back(member("detail", &VenueCallResult::detail));
    return f;
}

FieldList<VenueOrder> venue_order_fields() {
    FieldList<VenueOrder> f;
    f.push_back(member("client_order_id", &VenueOrder::client_order_id));
    f.push_back(member("venue_order_id", &VenueOrder::venue_order_id));
    f.push_back(member("asset", &VenueOrder::asset));
    f.push_back(member("side", &VenueOrder::side));
    f.push_back(member("purpose", &VenueOrder::purpose));
    f.push_back(member("qty", &VenueOrder::qty));
    f.push_back(member("status", &VenueOrder::status));
    f.push_back(member("cum_filled_qty", &VenueOrder::cum_filled_qty));
    f.push_back(member("avg_fill_price", &VenueOrder::avg_fill_price));
    f.push_back(member("cum_fee", &VenueOrder::cum_fee));
    f.push_back(member("venue_sequence", &VenueOrder::venue_sequence));
    f.push_back(member("slot_id", &VenueOrder::slot_id));
    f.push_back(member("trade_id", &VenueOrder::trade_id));
    return f;
}

FieldList<VenuePosition> venue_position_fields() {
    FieldList<VenuePosition> f;
    f.push_back(member("asset", &VenuePosition::asset));
    f.push_back(member("side", &VenuePosition::side));
    f.push_back(member("size", &VenuePosition::size));
    f.push_back(member("entry_price", &VenuePosition::entry_price));
    return f;
}

FieldList<RiskLimits> risk_fields() {
    FieldList<RiskLimits> f;
    f.push_back(member("max_position_size", &RiskLimits::max_position_size));
    f.push_back(member("max_notional", &RiskLimits::max_notional));
    f.push_back(member("max_leverage", &RiskLimits::max_leverage));
    return f;
}

FieldList<ControlState> control_state_fields() {
    FieldList<ControlState> f;
    f.push_back(member("mode", &ControlState::mode));
    f.push_back(member("verbosity", &ControlState::verbosity));
    f.push_back(member("trace_transitions", &ControlState::trace_transitions));
    f.push_back(member("risk_limits", &ControlState::risk_limits));
    f.push_back(member("version", &ControlState::version));
    f.push_back(member("last_reason", &ControlState::last_reason));
    return f;
}

FieldList<ControlResultView> control_result_fields() {
    FieldList<ControlResultView> f;
    f.push_back(member("accepted", &ControlResultView::accepted));
    f.push_back(member("detail", &ControlResultView::detail));
    return f;
}

static_assert(sizeof(MockVenueCounters) == 11 * sizeof(std::uint64_t),
              "MockVenueCounters changed: update counters_fields()");

FieldList<MockVenueCounters> counters_fields() {
    FieldList<MockVenueCounters> f;
    f.push_back(member("orders_submitted", &MockVenueCounters::orders_submitted));
    f.push_back(member("orders_rejected", &MockVenueCounters::orders_rejected));
    f.push_back(member("cancels_requested", &MockVenueCounters::cancels_requested));
    f.push_back(member("cancels_rejected", &MockVenueCounters::cancels_rejected));
    f.push_back(member("events_emitted", &MockVenueCounters::events_emitted));
    f.push_back(member("events_delivered", &MockVenueCounters::events_delivered));
    f.push_back(member("events_duplicated", &MockVenueCounters::events_duplicated));
    f.push_back(member("events_reordered", &MockVenueCounters::events_reordered));
    f.push_back(member("events_dropped", &MockVenueCounters::events_dropped));
    f.push_back(member("events_delayed", &MockVenueCounters::events_delayed));
    f.push_back(member("answers_lost", &MockVenueCounters::answers_lost));
    return f;
}

py::dict slot_dict(const TradeSlot& s) {
    // Exactly the keys SPEC section 6 fixes; everything else is an attribute.
    py::dict d;
    const std::string_view stage = to_string(s.fsm_state);
    const std::string_view side = to_string(s.side);
    d["fsm_state"] = py::str(stage.data(), stage.size());
    d["trade_id"] = s.trade_id.empty() ? py::object(py::none()) : fixed_to_py(s.trade_id);
    d["side"] = py::str(side.data(), side.size());
    d["size"] = decimal_to_py(s.size);
    d["target_size"] = decimal_to_py(s.target_size);
    d["entry_price"] = decimal_to_py(s.entry_price);
    d["realized_pnl"] = decimal_to_py(s.realized_pnl);
    d["fees"] = decimal_to_py(s.fees);
    d["closed"] = py::bool_(s.closed);
    d["active_leg_index"] = py::int_(s.active_leg_index);
    d["exit_leg_ratios"] = legs_to_py(s.exit_legs, true);
    d["working_order_id"] = s.working_order_id.empty() ? py::object(py::none()) : fixed_to_py(s.working_order_id);
    return d;
}

} // namespace

void bind_values(py::module_& m) {
    bind_value(m, "VenueEvent",
               "What a venue reports about an order (cumulative fill, average price and fee, so the "
               "latest report carries the whole truth) or a MARK_PRICE update.",
               venue_event_fields());
    bind_value(m, "Transition", "One FSM move of a slot: from_state --input--> to_state.", transition_fields());
    bind_value(m, "KernelDiagnostic",
               "One thing the kernel said about an input: code, severity and the machine-readable fields it is "
               "about (slot_id, client_order_id, trade_id, asset, size, limit; empty where none); detail is for "
               "people and may be reworded.",
               diagnostic_fields());
    bind_value(m, "KernelOutcome",
               "The kernel's answer to one input: its result (diagnostic_code, severity, human details), "
               "every diagnostic it said with machine-readable fields (diagnostics; result is the one that "
               "is the result, None for a progress note), the venue events handled meanwhile and (when "
               "tracing) the FSM transitions.",
               outcome_fields());
    bind_value(m, "OrderRecord", "The kernel's knowledge of one of its orders.", order_record_fields());

    auto slot = bind_value(m, "TradeSlot",
                           "A copy of one slot taken when it was asked for, with the records of its "
                           "trade's orders (orders). Truthy.",
                           slot_view_fields());
    // The generic to_dict is the full state; TradeSlot's is the SPEC's fixed set of keys.
    PyObject_DelAttrString(slot.ptr(), "to_dict");
    slot.def(
        "to_dict", [](const SlotView& self) { return slot_dict(self.snapshot.slot); },
        "The SPEC's slot dict: fsm_state, trade_id, side, size, target_size, entry_price, realized_pnl, "
        "fees, closed, active_leg_index, exit_leg_ratios, working_order_id (enum values as str).");
    slot.def(
        "_snapshot", [](const SlotView& self) { return self.snapshot; },
        "The SlotSnapshot that ExecutionKernel.reconcile_from_slots accepts.");
    slot.def(
        "snapshot", [](const SlotView& self) { return self.snapshot; },
        "The SlotSnapshot that ExecutionKernel.reconcile_from_slots accepts.");
    slot.def("__bool__", [](const SlotView&) { return true; });

    bind_value(m, "SlotSnapshot",
                               "What reconcile_from_slots accepts: a slot and the records of its trade's orders.",
                               slot_snapshot_fields());
    bind_value(m, "AccountSnapshot", "Account figures: capital = initial + realized - fees; equity = capital + unrealized.",
               account_fields());
    bind_value(m, "AccountTotals", "The journaled account totals.", totals_fields());
    bind_value(m, "TradeRecord", "The terminal record of a trade, written once to the zinc plane.", trade_record_fields());
    bind_value(m, "OutcomeRecord", "One journaled outcome.", outcome_record_fields());
    bind_value(m, "FinishedOrder", "An order of a finished trade, journaled so a restart still knows it.",
               finished_order_fields());
    bind_value(m, "RecoveredState", "What a restart reads back from the zinc plane.", recovered_fields());
    bind_value(m, "InstrumentSpec", "Trading rules of an asset on a venue.", instrument_fields());
    bind_value(m, "OrderRequest", "An order the kernel asks a venue to place.", order_request_fields());
    bind_value(m, "CancelRequest", "A cancel the kernel asks a venue to make.", cancel_request_fields());
    bind_value(m, "VenueCallResult",
               "A venue's answer to submit/cancel: ACCEPTED, REJECTED, UNKNOWN (no answer) or UNAVAILABLE (not sent).",
               call_result_fields());
    bind_value(m, "VenueOrder", "The venue's view of one order.", venue_order_fields());
    bind_value(m, "VenuePosition", "The venue's view of a net position.", venue_position_fields());
    bind_value(m, "RiskLimits", "Risk limits (0: no limit for size and notional).", risk_fields());
    bind_value(m, "ControlState", "The control plane's current switches.", control_state_fields());
    auto result = bind_value(m, "ControlResult", "Whether a control update was accepted, and why not.",
                             control_result_fields());
    result.def("__bool__", [](const ControlResultView& self) { return self.accepted; });
    bind_value(m, "MockVenueCounters", "What the mock venue has done so far.", counters_fields());
}

} // namespace dita::py_binding
