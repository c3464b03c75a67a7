// Replaying an input log: the replay venue that answers from the log, and LogReplayer.
#include "dita/chaos/input_log.hpp"

#include <algorithm>

namespace dita::chaos {

namespace {

// A view into the call: the replay compares one per venue call.
std::string_view call_key(const VenueCall& call) {
    switch (call.kind) {
    case VenueCallKind::SUBMIT:
    case VenueCallKind::CANCEL:
    case VenueCallKind::QUERY_ORDER: return call.client_order_id;
    case VenueCallKind::OPEN_ORDERS:
    case VenueCallKind::POSITIONS:
    case VenueCallKind::VENUE_MOVES: return call.asset;
    case VenueCallKind::DRAIN: break;
    }
    return {};
}

std::string describe_call(VenueCallKind kind, std::string_view key) {
    return std::string(to_string(kind)) + "(" + std::string(key) + ")";
}

// A pump whose drains delivered nothing left the kernel as it was.
bool is_idle_pump(const LoggedInput& input) {
    if (input.kind != InputKind::PUMP) return false;
    for (const VenueCall& call : input.calls) {
        if (call.kind != VenueCallKind::DRAIN || !call.events.empty()) return false;
    }
    return true;
}

} // namespace

// ---------------------------------------------------------------------------------------
// ReplayVenue

ReplayVenue::ReplayVenue(const InputLog& log, BatchTransform transform) : log_(log), transform_(std::move(transform)) {}

void ReplayVenue::begin(std::size_t input_index) {
    input_index_ = input_index;
    input_ = input_index < log_.inputs.size() ? &log_.inputs[input_index] : nullptr;
    call_index_ = 0;
}

void ReplayVenue::end() {
    if (input_ != nullptr && call_index_ < input_->calls.size()) {
        diverge("input " + std::to_string(input_index_) + " (" + std::string(to_string(input_->kind)) +
                "): the kernel made " + std::to_string(call_index_) + " of the " +
                std::to_string(input_->calls.size()) + " recorded venue calls; next recorded: " +
                describe_call(input_->calls[call_index_].kind, call_key(input_->calls[call_index_])));
    }
    input_ = nullptr;
}

void ReplayVenue::detach() {
    detached_ = true;
    input_ = nullptr;
}

void ReplayVenue::diverge(std::string what) {
    if (!divergence_) divergence_ = std::move(what);
}

const VenueCall* ReplayVenue::next(VenueCallKind kind, std::string_view key) {
    if (divergence_) return nullptr;
    if (detached_) {
        if (kind != VenueCallKind::DRAIN) {
            diverge("after the log: the kernel called " + describe_call(kind, key) + " while being fed old events");
        }
        return nullptr;
    }
    if (input_ == nullptr || call_index_ >= input_->calls.size()) {
        diverge("input " + std::to_string(input_index_) + ": the kernel called " + describe_call(kind, key) +
                " but the log has no further call for this input");
        return nullptr;
    }
    const VenueCall& call = input_->calls[call_index_];
    if (call.kind != kind || call_key(call) != key) {
        diverge("input " + std::to_string(input_index_) + " call " + std::to_string(call_index_) +
                ": the kernel called " + describe_call(kind, key) + ", the log has " +
                describe_call(call.kind, call_key(call)));
        return nullptr;
    }
    ++call_index_;
    return &call;
}

std::optional<InstrumentSpec> ReplayVenue::instrument(std::string_view asset) const {
    const auto found = log_.instruments.find(std::string(asset));
    if (found == log_.instruments.end()) return std::nullopt;
    return found->second;
}

VenueCallResult ReplayVenue::submit_order(const OrderRequest& request) {
    const VenueCall* call = next(VenueCallKind::SUBMIT, request.client_order_id.view());
    if (call == nullptr) return {VenueCallStatus::UNAVAILABLE, Id(), "replay diverged"};
    if (call->qty != request.qty) {
        diverge("input " + std::to_string(input_index_) + ": order " + call->client_order_id + " was " +
                call->qty.to_string() + " in the log, " + request.qty.to_string() + " in the replay");
    }
    return call->result;
}

VenueCallResult ReplayVenue::cancel_order(const CancelRequest& request) {
    const VenueCall* call = next(VenueCallKind::CANCEL, request.client_order_id.view());
    if (call == nullptr) return {VenueCallStatus::UNAVAILABLE, Id(), "replay diverged"};
    return call->result;
}

void ReplayVenue::drain_events(EventSink& sink) {
    const VenueCall* call = next(VenueCallKind::DRAIN, "");
    if (call == nullptr || call->events.empty()) return;
    const std::size_t number = batch_number_++;
    if (!transform_) {
        for (const VenueEvent& event : call->events) sink.deliver(event);
        events_delivered_ += call->events.size();
        return;
    }
    const std::vector<VenueEvent> batch = transform_(number, call->events);
    for (const VenueEvent& event : batch) sink.deliver(event);
    events_delivered_ += batch.size();
}

namespace {

// A query's recorded answer, or UNAVAILABLE when the replay asked something else than the log.
template <typename T, typename Take>
VenueQuery<T> recorded_answer(const VenueCall* call, Take take) {
    VenueQuery<T> out;
    if (call == nullptr) {
        out.status = VenueCallStatus::UNAVAILABLE;
        out.detail = "replay diverged";
        return out;
    }
    out.status = call->query_status;
    out.detail = call->query_detail;
    out.value = take(*call);
    return out;
}

} // namespace

VenueQuery<std::optional<VenueOrder>> ReplayVenue::query_order(std::string_view, std::string_view client_order_id) {
    return recorded_answer<std::optional<VenueOrder>>(
        next(VenueCallKind::QUERY_ORDER, client_order_id), [](const VenueCall& call) -> std::optional<VenueOrder> {
            if (call.orders.empty()) return std::nullopt;
            return call.orders.front();
        });
}

VenueQuery<std::vector<VenueOrder>> ReplayVenue::open_orders(std::string_view asset) {
    return recorded_answer<std::vector<VenueOrder>>(next(VenueCallKind::OPEN_ORDERS, asset),
                                                    [](const VenueCall& call) { return call.orders; });
}

VenueQuery<std::vector<VenuePosition>> ReplayVenue::positions(std::string_view asset) {
    return recorded_answer<std::vector<VenuePosition>>(next(VenueCallKind::POSITIONS, asset),
                                                       [](const VenueCall& call) { return call.positions; });
}

VenueQuery<std::vector<VenueEvent>> ReplayVenue::venue_moves(std::string_view asset) {
    return recorded_answer<std::vector<VenueEvent>>(next(VenueCallKind::VENUE_MOVES, asset),
                                                    [](const VenueCall& call) { return call.events; });
}

// ---------------------------------------------------------------------------------------
// LogReplayer

LogReplayer::LogReplayer(const InputLog& log, BatchTransform transform)
    : log_(log),
      clock_(log.inputs.empty() ? VirtualClock().now_ns() : log.inputs.front().at_ns),
      venue_(log, std::move(transform)) {
    ControlUpdate update;
    update.mode = log.setup.mode;
    update.trace_transitions = log.setup.trace_transitions;
    update.max_position_size = log.setup.risk_limits.max_position_size;
    update.max_notional = log.setup.risk_limits.max_notional;
    update.max_leverage = log.setup.risk_limits.max_leverage;
    update.reason = "replay";
    const ControlResult applied = control_.update(update);
    DITA_ASSERT(applied.accepted); // logs are validated on load; in-memory ones come from a live kernel
    config_.max_slots = log.setup.max_slots;
    config_.initial_capital = log.setup.initial_capital;
    config_.client_order_id_prefix = log.setup.client_order_id_prefix;
    const bool restarts = std::any_of(log.inputs.begin(), log.inputs.end(),
                                      [](const LoggedInput& input) { return input.kind == InputKind::RESTART; });
    if (restarts) journal_ = std::make_unique<InMemoryZincPlane>(1);
    kernel_ = std::make_unique<ExecutionKernel>(config_, control_, venue_, zinc(), clock_);
}

ZincPlane& LogReplayer::zinc() {
    if (journal_) return *journal_;
    return zinc_;
}

std::unique_ptr<ExecutionKernel> restart_kernel(const KernelConfig& config, ControlPlane& control, VenueAdapter& venue,
                                                ZincPlane& zinc, const Clock& clock, KernelOutcome& outcome) {
    auto kernel = std::make_unique<ExecutionKernel>(config, control, venue, zinc, clock);
    std::optional<RecoveredState> recovered = zinc.recover();
    if (!recovered) {
        recovered.emplace();
        recovered->totals = kernel->totals();
    }
    outcome = kernel->restore(*recovered);
    return kernel;
}

namespace {

// The kernel's answer to one logged input (a RESTART rebuilds it from its journal first).
KernelOutcome feed(std::unique_ptr<ExecutionKernel>& kernel, const LoggedInput& input, const KernelConfig& config,
                   ControlPlane& control, VenueAdapter& venue, ZincPlane& zinc, const Clock& clock) {
    switch (input.kind) {
    case InputKind::INTENT: return kernel->process_intent(input.intent);
    case InputKind::EVENT: return kernel->on_venue_event(input.event);
    case InputKind::RECONCILE: return kernel->reconcile_from_slots(input.snapshots);
    case InputKind::PUMP: return kernel->pump_venue();
    case InputKind::RESTART: break;
    }
    KernelOutcome outcome;
    kernel.reset(); // the crash: nothing of the old kernel survives but its journal
    kernel = restart_kernel(config, control, venue, zinc, clock, outcome);
    return outcome;
}

} // namespace

ReplayRun LogReplayer::run() {
    DITA_ASSERT(!ran_);
    ran_ = true;
    ReplayRun out;
    if (keep_ == nullptr) {
        out.outcomes.reserve(log_.inputs.size());
        out.outcome_inputs.reserve(log_.inputs.size());
    }
    for (std::size_t i = 0; i < log_.inputs.size(); ++i) {
        const LoggedInput& input = log_.inputs[i];
        clock_.set_ns(input.at_ns);
        if (is_idle_pump(input)) continue;
        venue_.begin(i);
        KernelOutcome outcome = feed(kernel_, input, config_, control_, venue_, zinc(), clock_);
        venue_.end();
        if (observer_) observer_(i, outcome, *kernel_);
        if (keep_ == nullptr || keep_(outcome)) {
            out.outcomes.push_back(std::move(outcome));
            out.outcome_inputs.push_back(i);
        }
        if (venue_.divergence()) break;
    }
    venue_.detach();
    out.divergence = venue_.divergence();
    out.events_delivered = venue_.events_delivered();
    out.final_state_hash = kernel_->state_hash();
    return out;
}

ReplayRun replay_log(const InputLog& log, BatchTransform transform) {
    LogReplayer replayer(log, std::move(transform));
    return replayer.run();
}

} // namespace dita::chaos
