// The stronger invariants: legal transitions, size, money and equity identities, liveness, venue agreement.
#include "dita/chaos/invariants.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "invariants_support.hpp"

namespace dita::chaos {

using namespace invariants_detail;

// ---------------------------------------------------------------------------------------
// Stronger checks

InvariantResult check_transitions_legal(const CheckContext& context) {
    constexpr std::string_view name = "transitions_legal";
    std::size_t count = 0;
    for (std::size_t i = 0; i < context.run.outcomes.size(); ++i) {
        for (const Transition& t : context.run.outcomes[i].transitions) {
            ++count;
            const bool known = valid_stage(t.from) && valid_stage(t.to) &&
                               static_cast<std::size_t>(t.input) < enum_count<FsmInput>();
            const auto to = known ? next_stage(t.from, t.input) : std::nullopt;
            if (!to || *to != t.to) {
                const std::string input = static_cast<std::size_t>(t.input) < enum_count<FsmInput>()
                                              ? std::string(to_string(t.input))
                                              : "input #" + std::to_string(static_cast<int>(t.input));
                return fail(name,
                            "Illegal transition at " + where_outcome(context.run, i) + ": slot " +
                                std::to_string(t.slot_id) + " " + stage_name(t.from) + " --" + input + "--> " +
                                stage_name(t.to) + " (the table says " + (to ? stage_name(*to) : "no such edge") + ")",
                            t.slot_id);
            }
        }
    }
    return pass(context, name, [&] {
        return std::to_string(count) + " transitions, all in the table";
    });
}

namespace {

// How far the venue itself reported each trade's orders filled beyond their quantities (the
// venue's truth, which the kernel accepts and flags OVERFILL): per trade, the sum over its
// orders of each order's largest excess. Built once per check, on the first slot that needs
// it, so the check stays linear in the run (a scan per slot snapshot was quadratic).
class VenueOverfills {
public:
    explicit VenueOverfills(std::span<const VenueEvent> reports) : reports_(reports) {}

    Decimal of(const TradeSlot& slot) {
        if (!built_) build();
        const auto found = per_trade_.find(slot.trade_id);
        return found == per_trade_.end() ? Decimal() : found->second;
    }

private:
    void build() {
        built_ = true;
        std::map<std::pair<Id, Id>, Decimal> excess; // (trade, order) -> largest excess
        for (const VenueEvent& report : reports_) {
            if (report.cum_filled_qty <= report.order_qty) continue;
            Decimal& most = excess[{report.trade_id, report.client_order_id}];
            most = std::max(most, report.cum_filled_qty - report.order_qty);
        }
        for (const auto& [key, one] : excess) per_trade_[key.first] += one;
    }

    std::span<const VenueEvent> reports_;
    bool built_ = false;
    std::map<Id, Decimal> per_trade_;
};

} // namespace

InvariantResult check_size_conservation(const CheckContext& context) {
    constexpr std::string_view name = "size_conservation";
    const std::size_t history = context.run.slot_states.size();
    const VenueReports reports(context);
    VenueOverfills overfills(reports.all());
    auto problem = visit_slots(context, [&](const TradeSlot& slot, std::size_t at) -> std::optional<InvariantResult> {
        const auto who = [&] { return "slot " + std::to_string(slot.slot_id) + " " + when_of(context.run, at, history); };
        if (slot.size.is_negative()) return fail(name, who() + ": negative open size " + dec(slot.size), slot.slot_id);
        if (slot.size != slot.entry_filled - slot.exit_filled) {
            return fail(name, who() + ": open size " + dec(slot.size) + " != entry fills " + dec(slot.entry_filled) +
                                  " - exit fills " + dec(slot.exit_filled), slot.slot_id);
        }
        // An overfill is never negative: only fills above the target need the venue's word.
        if (slot.entry_filled > slot.target_size && slot.entry_filled > slot.target_size + overfills.of(slot)) {
            return fail(name, who() + ": entry fills " + dec(slot.entry_filled) + " above the target " +
                                  dec(slot.target_size), slot.slot_id);
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    // At rest the slot's fills must be what its orders say.
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        const TradeSlot& slot = snapshot.slot;
        for (const OrderRecord& order : snapshot.orders) {
            // A trade reopened in place holds all its entry fills; one reopened in another slot
            // (rehomed) only those after its finished life.
            const auto earlier = context.final_state.finished_entry_fills.find(slot.trade_id.str());
            // A reopened trade that finished again is among those records itself.
            const bool rehomed = earlier != context.final_state.finished_entry_fills.end() &&
                                 (order.cum_filled_qty - earlier->second == slot.entry_filled ||
                                  (slot.closed && order.cum_filled_qty == earlier->second));
            if (order.client_order_id == slot.entry_order_id && order.cum_filled_qty != slot.entry_filled && !rehomed) {
                return fail(name, "slot " + std::to_string(slot.slot_id) + " at rest: entry fills " +
                                      dec(slot.entry_filled) + " but its entry order " + order.client_order_id.str() +
                                      " reports " + dec(order.cum_filled_qty), slot.slot_id);
            }
            if (order.client_order_id == slot.exit_order_id && order.cum_filled_qty > slot.exit_filled) {
                return fail(name, "slot " + std::to_string(slot.slot_id) + " at rest: exit fills " +
                                      dec(slot.exit_filled) + " below its exit order " + order.client_order_id.str() +
                                      "'s " + dec(order.cum_filled_qty), slot.slot_id);
            }
        }
    }
    return pass(context, name, [&] {
        return "open size = entry - exit fills in " +
               std::to_string(context.run.slot_states.size() + context.final_state.slots.size()) + " slot snapshots";
    });
}

InvariantResult check_money_identity(const CheckContext& context) {
    constexpr std::string_view name = "money_identity";
    const std::size_t history = context.run.account_snapshots.size();
    auto problem = visit_accounts(context, [&](const AccountSnapshot& a, std::size_t at) -> std::optional<InvariantResult> {
        const Decimal expected = a.initial_capital + a.realized_pnl - a.fees_paid + a.funding;
        if (a.capital != expected) {
            return fail(name, "capital " + dec(a.capital) + " != initial " + dec(a.initial_capital) + " + realized " +
                                  dec(a.realized_pnl) + " - fees " + dec(a.fees_paid) + " + funding " + dec(a.funding) +
                                  " = " + dec(expected) + " " + when_of(context.run, at, history));
        }
        if (a.fees_paid.is_negative()) {
            return fail(name, "negative fees paid " + dec(a.fees_paid) + " " + when_of(context.run, at, history));
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    const std::size_t snapshots = history + 1;
    // Fees the account paid in this run == the venue's cumulative fee of each order it reported.
    if (context.final_state.unmatched_events > context.run.unmatched_events_at_start) {
        return pass(context, name, [&] {
            return "capital identity exact in " + std::to_string(snapshots)
                   + " snapshots (fee cross-check skipped: unapplied events)";
        });
    }
    // What the venue reported: its events, and the orders a reconcile asked it about (the
    // input log has those answers; a dropped fill reaches the kernel only that way). The
    // venue's own orders (liquidations, ADL, manual closes) are named by their venue id;
    // funding settlements are counted once each.
    // Keyed by (the venue's own order?, id): ids as they are, no text built per event.
    std::map<std::pair<bool, Id>, Decimal> fee_by_order;
    std::map<Id, Decimal> funding_by_settlement;
    const auto take = [&](const VenueEvent& event) {
        if (event.kind == KernelEventKind::MARK_PRICE) return;
        if (event.kind == KernelEventKind::FUNDING) {
            funding_by_settlement[event.venue_order_id] = event.cum_fee;
            return;
        }
        const bool venue_own = is_venue_reduction(event.kind);
        Decimal& fee = fee_by_order[{venue_own, venue_own ? event.venue_order_id : event.client_order_id}];
        fee = max(fee, event.cum_fee);
    };
    for (const VenueEvent& event : context.run.events) take(event);
    if (context.log != nullptr) {
        for (const LoggedInput& input : context.log->inputs) {
            for (const VenueCall& call : input.calls) {
                if (call.kind == VenueCallKind::VENUE_MOVES) {
                    for (const VenueEvent& event : call.events) take(event);
                }
                if (call.kind != VenueCallKind::QUERY_ORDER) continue;
                for (const VenueOrder& order : call.orders) {
                    Decimal& fee = fee_by_order[{false, order.client_order_id}];
                    fee = max(fee, order.cum_fee);
                }
            }
        }
    }
    Decimal venue_fees;
    for (const auto& [order, fee] : fee_by_order) venue_fees += fee;
    const Decimal paid = context.final_state.account.fees_paid - context.run.account_at_start.fees_paid;
    if (paid != venue_fees) {
        return fail(name, "the account paid " + dec(paid) + " in fees but the venue reported " + dec(venue_fees) +
                              " over " + std::to_string(fee_by_order.size()) + " orders");
    }
    Decimal venue_funding;
    for (const auto& [settlement, charged] : funding_by_settlement) venue_funding -= charged;
    const Decimal funded = context.final_state.account.funding - context.run.account_at_start.funding;
    if (funded != venue_funding) {
        return fail(name, "the account booked " + dec(funded) + " of funding but the venue reported " +
                              dec(venue_funding) + " over " + std::to_string(funding_by_settlement.size()) +
                              " settlements");
    }
    return pass(context, name, [&] {
        return "capital identity exact in " + std::to_string(snapshots) + " snapshots; fees " + dec(paid)
               + " == venue-reported; funding " + dec(funded) + " == venue-reported";
    });
}

InvariantResult check_equity_identity(const CheckContext& context) {
    constexpr std::string_view name = "equity_identity";
    const std::size_t history = context.run.account_snapshots.size();
    auto problem = visit_accounts(context, [&](const AccountSnapshot& a, std::size_t at) -> std::optional<InvariantResult> {
        if (a.equity != a.capital + a.unrealized_pnl) {
            return fail(name, "equity " + dec(a.equity) + " != capital " + dec(a.capital) + " + unrealized " +
                                  dec(a.unrealized_pnl) + " " + when_of(context.run, at, history));
        }
        return std::nullopt;
    });
    if (problem) return *problem;
    // Recompute at rest from the slots and marks (a linear USDT-margined contract).
    Decimal unrealized;
    Decimal margin;
    for (const SlotSnapshot& snapshot : context.final_state.slots) {
        const TradeSlot& slot = snapshot.slot;
        if (!slot.size.is_positive()) continue;
        const auto mark = context.final_state.marks.find(slot.asset.str());
        const Decimal price = mark != context.final_state.marks.end() ? mark->second : slot.entry_price;
        const Decimal move = price.mul(slot.size) - slot.entry_price.mul(slot.size);
        Decimal pnl = side_sign(slot.side) > 0 ? move : -move;
        // Isolated margin: no position loses more than its margin (entry notional / leverage).
        if (slot.leverage.is_positive()) pnl = max(pnl, -slot.entry_price.mul(slot.size).div(slot.leverage));
        unrealized += pnl;
        if (slot.leverage.is_positive()) margin += price.mul(slot.size).div(slot.leverage);
    }
    const AccountSnapshot& at_rest = context.final_state.account;
    if (unrealized != at_rest.unrealized_pnl) {
        return fail(name, "unrealized PnL " + dec(at_rest.unrealized_pnl) + " at rest, but the open slots at their marks give " +
                              dec(unrealized));
    }
    if (margin != at_rest.used_margin) {
        return fail(name, "used margin " + dec(at_rest.used_margin) + " at rest, but notional / leverage of the open slots is " +
                              dec(margin));
    }
    return pass(context, name, [&] {
        return "equity == capital + unrealized in " + std::to_string(history + 1) + " snapshots; unrealized "
               + dec(unrealized) + " recomputed";
    });
}

InvariantResult check_liveness(const CheckContext& context) {
    constexpr std::string_view name = liveness_check_name;
    if (!context.run.quiesced) {
        return pass(context, name, [] { return "not applicable: the run was not brought to rest (quiesce)"; });
    }
    const FinalState& state = context.final_state;
    if (!state.venue_error.empty()) return fail(name, "venue truth could not be read at rest: " + state.venue_error);
    for (const SlotSnapshot& snapshot : state.slots) {
        const TradeSlot& slot = snapshot.slot;
        if (slot.fsm_state == TradeStage::STALE_STATE_RECONCILING) {
            return fail(name, "after quiesce slot " + std::to_string(slot.slot_id) + " is still reconciling", slot.slot_id);
        }
        if (!slot.working_order_id.empty()) {
            return fail(name, "after quiesce slot " + std::to_string(slot.slot_id) + " still works order " +
                                  slot.working_order_id.str() + " in " + std::string(to_string(slot.fsm_state)),
                        slot.slot_id);
        }
    }
    std::set<std::string> kernel_orders;
    for (const OrderRecord& order : state.kernel_working_orders) kernel_orders.insert(order.client_order_id.str());
    std::set<std::string> venue_orders;
    for (const VenueOrder& order : state.venue_open_orders) venue_orders.insert(order.client_order_id.str());
    if (kernel_orders != venue_orders) {
        return fail(name, "after quiesce the kernel works " + std::to_string(kernel_orders.size()) +
                              " order(s), the venue holds " + std::to_string(venue_orders.size()) + " open");
    }
    for (const std::string& asset : all_assets(state)) {
        const Decimal kernel_net = kernel_net_at_rest(state, asset);
        const Decimal venue_net = venue_net_at_rest(state, asset);
        if (kernel_net == venue_net) continue;
        const auto gap = state.mismatched_assets.find(asset);
        const bool slot_free = std::any_of(state.slots.begin(), state.slots.end(), [](const SlotSnapshot& s) {
            return is_free_stage(s.slot.fsm_state) && !s.slot.pending_exit;
        });
        if (slot_free && state.unplaced_fills.contains(asset)) {
            return fail(name, "after quiesce a slot is free, yet late fills of " + asset + " (" +
                                  dec(state.unplaced_fills.at(asset)) + ") stay unplaced");
        }
        if (gap_explained(state, asset, kernel_net, venue_net)) continue; // failed closed, and why is known
        return fail(name, "after quiesce net position " + asset + ": kernel " + dec(kernel_net) + ", venue " +
                              dec(venue_net) + (gap == state.mismatched_assets.end()
                                                    ? ", and the kernel did not fail closed"
                                                    : ", the kernel's recorded gap is " + dec(gap->second)));
    }
    return pass(context, name, [&] {
        return "at rest: no slot working or reconciling, " + std::to_string(kernel_orders.size())
               + " working order(s) and net positions match the venue";
    });
}

InvariantResult check_orders_match_venue(const CheckContext& context) {
    constexpr std::string_view name = "orders_match_venue";
    const FinalState& state = context.final_state;
    if (!state.venue_error.empty()) return fail(name, "venue truth could not be read at rest: " + state.venue_error);
    std::map<std::string, const OrderRecord*> kernel_orders;
    for (const OrderRecord& order : state.kernel_working_orders) kernel_orders[order.client_order_id.str()] = &order;
    std::map<std::string, const VenueOrder*> venue_orders;
    for (const VenueOrder& order : state.venue_open_orders) venue_orders[order.client_order_id.str()] = &order;
    for (const auto& [id, order] : kernel_orders) {
        const auto found = venue_orders.find(id);
        if (found == venue_orders.end()) {
            return fail(name, "the kernel believes order " + id + " is working (" + std::string(to_string(order->status)) +
                                  ") but the venue has no such open order");
        }
        if (found->second->cum_filled_qty != order->cum_filled_qty) {
            return fail(name, "order " + id + ": the kernel knows " + dec(order->cum_filled_qty) + " filled, the venue " +
                                  dec(found->second->cum_filled_qty));
        }
    }
    for (const auto& [id, order] : venue_orders) {
        if (!kernel_orders.contains(id)) {
            return fail(name, "the venue has open order " + id + " (" + std::string(to_string(order->status)) +
                                  ") the kernel does not consider working");
        }
    }
    for (const std::string& asset : all_assets(state)) {
        const Decimal kernel_net = kernel_net_at_rest(state, asset);
        const Decimal venue_net = venue_net_at_rest(state, asset);
        if (kernel_net != venue_net && !gap_explained(state, asset, kernel_net, venue_net)) {
            return fail(name, "net position " + asset + ": kernel " + dec(kernel_net) + ", venue " + dec(venue_net));
        }
    }
    return pass(context, name, [&] {
        return std::to_string(kernel_orders.size()) + " working order(s) and net positions match the venue";
    });
}

} // namespace dita::chaos
