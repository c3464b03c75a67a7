#pragma once
// What the invariant checks share (private to src/chaos): results, where-in-the-run texts,
// slot and account visitors, the venue's reports, the replay verdict.
#include <cstdio>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dita/chaos/invariants.hpp"
#include "dita/kernel/fsm.hpp"

namespace dita::chaos::invariants_detail {

inline InvariantResult pass(std::string_view name, std::string detail) {
    return InvariantResult{std::string(name), true, std::move(detail), 0};
}

// A pass whose detail is formatted only when the context's options ask for it (a campaign reads
// only failures, and formatting every passing check's numbers was a fifth of its checks' cost).
template <typename Detail>
InvariantResult pass(const CheckContext& context, std::string_view name, const Detail& detail) {
    if (!context.options.pass_details) return InvariantResult{std::string(name), true, std::string(), 0};
    return InvariantResult{std::string(name), true, detail(), 0};
}

inline InvariantResult fail(std::string_view name, std::string detail, int slot_id = 0) {
    return InvariantResult{std::string(name), false, std::move(detail), slot_id};
}

inline std::string dec(Decimal value) { return value.to_string(); }

inline std::string stage_name(TradeStage stage) {
    const auto index = static_cast<std::size_t>(stage);
    return index < enum_count<TradeStage>() ? std::string(to_string(stage))
                                            : "unknown stage #" + std::to_string(index);
}

inline bool valid_stage(TradeStage stage) { return static_cast<std::size_t>(stage) < enum_count<TradeStage>(); }

// "step 2 (EXIT)" for the step whose outcomes include this index.
inline std::string where_outcome(const ChaosRunResult& run, std::size_t outcome_index) {
    for (const StepTrace& step : run.steps) {
        if (outcome_index >= step.outcomes_begin && outcome_index < step.outcomes_end) {
            const bool own = outcome_index == step.outcomes_begin;
            return "step " + std::to_string(step.step_index) + " (" + std::string(to_string(step.action)) +
                   (own ? "" : ", venue pump") + ")";
        }
    }
    if (!run.steps.empty() && outcome_index >= run.steps.back().outcomes_end) return "settling at rest";
    return "outcome " + std::to_string(outcome_index);
}

inline std::string where_step(const ChaosRunResult& run, std::size_t snapshot_index) {
    if (snapshot_index < run.steps.size()) {
        const StepTrace& step = run.steps[snapshot_index];
        return "step " + std::to_string(step.step_index) + " (" + std::string(to_string(step.action)) + ")";
    }
    return "snapshot " + std::to_string(snapshot_index);
}

inline std::string describe_event(const VenueEvent& event) {
    return std::string(to_string(event.kind)) + " " + event.client_order_id.str() + " cum " +
           dec(event.cum_filled_qty) + " seq " + std::to_string(event.venue_sequence);
}

// A structural problem with one slot, if any: what its stage says must agree with its fields.
inline std::optional<std::string> slot_shape_problem(const TradeSlot& slot) {
    if (!valid_stage(slot.fsm_state)) return "slot " + std::to_string(slot.slot_id) + " is in " + stage_name(slot.fsm_state);
    const auto where = [&] { return "slot " + std::to_string(slot.slot_id) + " in " + stage_name(slot.fsm_state); };
    if (is_free_stage(slot.fsm_state)) {
        if (slot.size.is_positive()) return where() + " holds an open size of " + dec(slot.size);
        if (!slot.working_order_id.empty()) return where() + " still has working order " + slot.working_order_id.str();
    }
    if (is_position_resting_stage(slot.fsm_state) && !slot.size.is_positive()) {
        return where() + " has no open size";
    }
    if ((is_entry_working_stage(slot.fsm_state) || is_exit_working_stage(slot.fsm_state)) &&
        slot.working_order_id.empty()) {
        return where() + " has no working order";
    }
    if (slot.closed != (slot.fsm_state == TradeStage::TRADE_TERMINAL_WRITTEN)) {
        return where() + (slot.closed ? " is flagged closed" : " is not flagged closed");
    }
    return std::nullopt;
}

// "after step 2 (EXIT)" for history snapshot i; "at rest" past the history. Built only for
// a failure's detail.
inline std::string when_of(const ChaosRunResult& run, std::size_t index, std::size_t history_size) {
    return index < history_size ? "after " + where_step(run, index) : std::string("at rest");
}

// Everything the run saw, slot by slot: the history snapshots, then the final slots. The
// visitor gets the slot and its position (for when_of).
template <typename Visit>
std::optional<InvariantResult> visit_slots(const CheckContext& context, Visit visit) {
    const std::size_t history = context.run.slot_states.size();
    for (std::size_t i = 0; i < history; ++i) {
        if (auto problem = visit(context.run.slot_states[i], i)) return problem;
    }
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        if (auto problem = visit(snapshot.slot, history)) return problem;
    }
    return std::nullopt;
}

// The account after each step, then at rest, without copying them.
template <typename Visit>
std::optional<InvariantResult> visit_accounts(const CheckContext& context, Visit visit) {
    const auto& history = context.run.account_snapshots;
    for (std::size_t i = 0; i < history.size(); ++i) {
        if (auto problem = visit(history[i], i)) return problem;
    }
    return visit(context.final_state.account, history.size());
}

inline std::set<std::string> all_assets(const FinalState& state) {
    std::set<std::string> assets;
    for (const SlotSnapshot& snapshot : state.slots) {
        if (!snapshot.slot.asset.empty()) assets.insert(snapshot.slot.asset.str());
    }
    for (const VenueOrder& order : state.venue_open_orders) assets.insert(order.asset.str());
    for (const VenuePosition& position : state.venue_positions) assets.insert(position.asset.str());
    return assets;
}

// What the venue reported about orders: every event the kernel received, plus the overfilled
// order records it answered queries with. Copies only when there are such answers.
class VenueReports {
public:
    explicit VenueReports(const CheckContext& context) : view_(context.run.events) {
        if (context.log == nullptr) return;
        std::vector<VenueEvent> local;
        if (context.query_overfills == nullptr) local = query_overfills(*context.log);
        const std::vector<VenueEvent>& overfills = context.query_overfills != nullptr ? *context.query_overfills : local;
        if (overfills.empty()) return;
        combined_.assign(view_.begin(), view_.end());
        combined_.insert(combined_.end(), overfills.begin(), overfills.end());
        view_ = combined_;
    }
    std::span<const VenueEvent> all() const { return view_; }

private:
    std::vector<VenueEvent> combined_;
    std::span<const VenueEvent> view_;
};

inline std::optional<std::string> replay_problem(const ReplayRun& replay, std::uint64_t expected,
                                          std::span<const VenueEvent> venue_reports, const std::string& label) {
    if (replay.divergence) return label + " diverged: " + *replay.divergence;
    for (std::size_t i = 0; i < replay.outcomes.size(); ++i) {
        const KernelOutcome& outcome = replay.outcomes[i];
        if (is_unexpected_outcome(outcome, venue_reports)) {
            const std::size_t input = i < replay.outcome_inputs.size() ? replay.outcome_inputs[i] : i;
            return label + ": input " + std::to_string(input) + " gave " + std::string(to_string(outcome.diagnostic_code)) +
                   " (" + outcome.details + ")";
        }
    }
    if (replay.final_state_hash != expected) {
        char buffer[80];
        std::snprintf(buffer, sizeof buffer, "state hash %016llx, recorded %016llx",
                      static_cast<unsigned long long>(replay.final_state_hash),
                      static_cast<unsigned long long>(expected));
        return label + " ended in a different state: " + buffer;
    }
    return std::nullopt;
}

inline std::optional<InvariantResult> log_unusable(std::string_view name, const CheckContext& context) {
    if (context.log == nullptr) return fail(name, "no input log: the run cannot be replayed to verify this");
    if (context.log->truncated) {
        return fail(name, "the input log stopped at " + std::to_string(context.log->inputs.size()) +
                              " inputs; the run cannot be replayed to verify this");
    }
    return std::nullopt;
}

// A stranger's position against the kernel's, netted at the venue before the kernel ever
// reconciled, leaves the venue holding less than the kernel's trades: the kernel rightly fails
// closed. Whether its own accounting stayed exact is checked at rest (orders_match_venue).
inline bool fails_closed_on_foreign(const KernelOutcome& outcome, const FinalState& state) {
    const KernelDiagnostic* result = outcome.result();
    if (outcome.diagnostic_code != KernelDiagnosticCode::RECONCILE_MISMATCH || result == nullptr) return false;
    const auto foreign = state.foreign_net.find(result->asset.str());
    return foreign != state.foreign_net.end() && !foreign->second.is_zero();
}

// Net positions at rest (long positive), as the kernel's slots and the venue's positions say.
inline Decimal kernel_net_at_rest(const FinalState& state, const std::string& asset) {
    Decimal net;
    for (const SlotSnapshot& snapshot : state.slots) {
        if (snapshot.slot.asset.view() != asset) continue;
        net += side_sign(snapshot.slot.side) > 0 ? snapshot.slot.size : -snapshot.slot.size;
    }
    return net;
}

inline Decimal venue_net_at_rest(const FinalState& state, const std::string& asset) {
    Decimal net;
    for (const VenuePosition& position : state.venue_positions) {
        if (position.asset.view() != asset) continue;
        net += side_sign(position.side) > 0 ? position.size : -position.size;
    }
    return net;
}

// At rest the kernel's net may differ from the venue's only by what it knows and has said:
// late fills no slot could take, or a stranger's position it failed closed on.
inline bool gap_explained(const FinalState& state, const std::string& asset, Decimal kernel_net, Decimal venue_net) {
    const auto unplaced = state.unplaced_fills.find(asset);
    if (unplaced != state.unplaced_fills.end() && kernel_net + unplaced->second == venue_net) return true;
    const auto recorded = state.mismatched_assets.find(asset);
    const auto foreign = state.foreign_net.find(asset);
    return recorded != state.mismatched_assets.end() && recorded->second == venue_net - kernel_net &&
           foreign != state.foreign_net.end() && kernel_net + foreign->second == venue_net;
}

} // namespace dita::chaos::invariants_detail
