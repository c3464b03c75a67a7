#include "dita/zinc/zinc_plane.hpp"

#include <algorithm>
#include <set>

namespace dita {

InMemoryZincPlane::InMemoryZincPlane(std::size_t capacity, std::size_t outcome_capacity)
    : capacity_(capacity == 0 ? 1 : capacity),
      outcomes_(outcome_capacity == 0 ? capacity_ : outcome_capacity),
      transitions_(outcome_capacity == 0 ? capacity_ : outcome_capacity),
      terminals_(capacity_) {}

void InMemoryZincPlane::record_outcome(const KernelOutcome& outcome, std::string_view input_ref) {
    OutcomeRecord& record = outcomes_.next();
    record.input_sequence = outcome.input_sequence;
    record.timestamp_ns = outcome.timestamp_ns;
    record.code = outcome.diagnostic_code;
    record.severity = outcome.severity;
    record.slot_id = outcome.slot_id;
    record.input_ref.assign(input_ref);
    record.details = outcome.details;
    record.diagnostics.assign(outcome.diagnostics.begin(), outcome.diagnostics.end());
    if (outcome.input_sequence > last_sequence_) last_sequence_ = outcome.input_sequence;
}

void InMemoryZincPlane::record_transition(const Transition& transition) { transitions_.next() = transition; }

void InMemoryZincPlane::write_terminal(const TradeRecord& record) { terminals_.next() = record; }

void InMemoryZincPlane::record_state(std::uint64_t input_sequence, const TradeSlot& slot,
                                     std::span<const OrderRecord> orders, const AccountTotals& totals) {
    DITA_ASSERT(slot.slot_id >= 0);
    const auto index = static_cast<std::size_t>(slot.slot_id);
    if (index >= slot_states_.size()) {
        slot_states_.resize(index + 1);
        slot_seen_.resize(index + 1, false);
    }
    SlotSnapshot& stored = slot_states_[index];
    stored.slot = slot;
    stored.orders.assign(orders.begin(), orders.end());
    slot_seen_[index] = true;
    totals_ = totals;
    if (input_sequence > last_sequence_) last_sequence_ = input_sequence;
    any_state_ = true;
}

void InMemoryZincPlane::record_finished_order(const FinishedOrder& order) {
    finished_.next() = order;
    any_state_ = true;
}

std::optional<RecoveredState> InMemoryZincPlane::recover() const {
    if (!any_state_) return std::nullopt;
    RecoveredState out;
    out.input_sequence = last_sequence_;
    out.totals = totals_;
    for (std::size_t i = 0; i < slot_states_.size(); ++i) {
        if (slot_seen_[i]) out.slots.push_back(slot_states_[i]);
    }
    const std::vector<FinishedOrder> versions = finished_.in_order();
    std::set<Id> seen;
    for (auto it = versions.rbegin(); it != versions.rend() && out.finished_orders.size() < finished_orders_recovered_max;
         ++it) {
        if (seen.insert(it->record.client_order_id).second) out.finished_orders.push_back(*it);
    }
    std::reverse(out.finished_orders.begin(), out.finished_orders.end());
    return out;
}

void InMemoryZincPlane::clear() {
    outcomes_.clear();
    transitions_.clear();
    terminals_.clear();
    finished_.clear();
    // The slots' snapshots stay, unseen, so their order lists keep their room.
    std::fill(slot_seen_.begin(), slot_seen_.end(), false);
    totals_ = AccountTotals{};
    any_state_ = false;
    last_sequence_ = 0;
}

} // namespace dita
