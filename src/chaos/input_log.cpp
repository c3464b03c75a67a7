#include "dita/chaos/input_log.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "dita/chaos/random.hpp"
#include "dita/chaos/text_lines.hpp"

namespace dita::chaos {

namespace {

constexpr std::string_view log_format = "dita-input-log";
constexpr int log_version = 1;
constexpr std::size_t log_line_chars_max = 64u << 20;

std::string hex64(std::uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::optional<std::uint64_t> parse_hex64(const std::string& text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    std::uint64_t out = 0;
    for (const char c : text) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (digit < 0) return std::nullopt;
        out = (out << 4) | static_cast<std::uint64_t>(digit);
    }
    return out;
}

std::string call_key(const VenueCall& call) {
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

// Recording sink: keeps a copy of each event, then hands it on.
class TeeSink final : public EventSink {
public:
    TeeSink(EventSink& target, std::vector<VenueEvent>* copy) : target_(target), copy_(copy) {}
    void deliver(const VenueEvent& event) override {
        if (copy_ != nullptr) {
            if (copy_->empty()) copy_->reserve(4); // one allocation for a typical batch
            copy_->push_back(event);
        }
        target_.deliver(event);
    }

private:
    EventSink& target_;
    std::vector<VenueEvent>* copy_;
};

template <typename T>
Json array_of(const std::vector<T>& items, Json (*convert)(const T&)) {
    Json out = Json::array();
    for (const T& item : items) out.push_back(convert(item));
    return out;
}

// An optional array field; absent reads as empty.
template <typename T>
JsonResult<std::vector<T>> read_array(const JsonObjectReader& r, std::string_view key,
                                      JsonResult<T> (*convert)(const Json&, const std::string&)) {
    std::vector<T> out;
    const Json* items = r.raw(key);
    if (items == nullptr) return out;
    const std::string pointer = r.field_pointer(key);
    if (!items->is_array()) return JsonError{pointer, "expected an array, got " + describe_json(*items)};
    out.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        auto parsed = convert((*items)[i], pointer + "/" + std::to_string(i));
        if (!parsed.ok()) return parsed.error();
        out.push_back(std::move(parsed).value());
    }
    return out;
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

BoundedLine read_bounded_line(std::istream& in, std::size_t chars_max) {
    BoundedLine out;
    std::streambuf* buffer = in.rdbuf();
    if (buffer == nullptr || !in.good()) return out;
    using Traits = std::char_traits<char>;
    bool any = false;
    for (;;) {
        const Traits::int_type c = buffer->sbumpc();
        if (Traits::eq_int_type(c, Traits::eof())) {
            in.setstate(std::ios::eofbit);
            out.status = any ? LineStatus::LINE : LineStatus::END;
            return out;
        }
        any = true;
        if (Traits::to_char_type(c) == '\n') {
            out.status = LineStatus::LINE;
            return out;
        }
        if (out.text.size() == chars_max) {
            out.status = LineStatus::TOO_LONG;
            return out;
        }
        out.text += Traits::to_char_type(c);
    }
}

bool exists_but_not_regular_file(const std::string& path) {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    return !error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status);
}

// ---------------------------------------------------------------------------------------
// InputLog

std::size_t InputLog::event_count() const {
    std::size_t count = 0;
    for (const LoggedInput& input : inputs) {
        if (input.kind == InputKind::EVENT) ++count;
        for (const VenueCall& call : input.calls) count += call.events.size();
    }
    return count;
}

std::vector<VenueEvent> InputLog::events() const {
    std::vector<VenueEvent> out;
    out.reserve(event_count());
    for (const LoggedInput& input : inputs) {
        if (input.kind == InputKind::EVENT) out.push_back(input.event);
        for (const VenueCall& call : input.calls) out.insert(out.end(), call.events.begin(), call.events.end());
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// RecordingVenue

RecordingVenue::RecordingVenue(VenueAdapter& inner, InputLog& log) : inner_(inner), log_(log) {
    log_.venue_name = std::string(inner_.name());
    log_.position_mode = inner_.position_mode();
}

const LoggedInput* RecordingVenue::begin(LoggedInput&& input) {
    if (log_.inputs.size() >= std::min(log_.inputs_limit, InputLog::inputs_max)) {
        log_.truncated = true;
        active_ = false;
        return nullptr;
    }
    LoggedInput& logged = log_.inputs.emplace_back(std::move(input));
    logged.calls.reserve(3); // submit, a drain with events, an empty drain: the common shape
    active_ = true;
    return &logged;
}

void RecordingVenue::end() { active_ = false; }

VenueCall* RecordingVenue::record(VenueCallKind kind) {
    if (!active_) return nullptr;
    VenueCall& call = log_.inputs.back().calls.emplace_back();
    call.kind = kind;
    return &call;
}

std::optional<InstrumentSpec> RecordingVenue::instrument(std::string_view asset) const {
    auto spec = inner_.instrument(asset);
    log_.instruments.try_emplace(std::string(asset), spec);
    return spec;
}

VenueCallResult RecordingVenue::submit_order(const OrderRequest& request) {
    VenueCallResult result = inner_.submit_order(request);
    // Recorded after the call: the venue may not call back into the kernel, so the log's
    // order of calls is the kernel's order.
    if (VenueCall* call = record(VenueCallKind::SUBMIT)) {
        call->asset = request.asset.str();
        call->client_order_id = request.client_order_id.str();
        call->qty = request.qty;
        call->result = result;
    }
    return result;
}

VenueCallResult RecordingVenue::cancel_order(const CancelRequest& request) {
    VenueCallResult result = inner_.cancel_order(request);
    if (VenueCall* call = record(VenueCallKind::CANCEL)) {
        call->asset = request.asset.str();
        call->client_order_id = request.client_order_id.str();
        call->result = result;
    }
    return result;
}

void RecordingVenue::drain_events(EventSink& sink) {
    VenueCall* call = record(VenueCallKind::DRAIN);
    TeeSink tee(sink, call != nullptr ? &call->events : nullptr);
    inner_.drain_events(tee);
}

VenueQuery<std::optional<VenueOrder>> RecordingVenue::query_order(std::string_view asset,
                                                                  std::string_view client_order_id) {
    auto answer = inner_.query_order(asset, client_order_id);
    if (VenueCall* call = record(VenueCallKind::QUERY_ORDER)) {
        call->asset = std::string(asset);
        call->client_order_id = std::string(client_order_id);
        call->query_status = answer.status;
        call->query_detail = answer.detail;
        if (answer.value) call->orders.push_back(*answer.value);
    }
    return answer;
}

VenueQuery<std::vector<VenueOrder>> RecordingVenue::open_orders(std::string_view asset) {
    auto answer = inner_.open_orders(asset);
    if (VenueCall* call = record(VenueCallKind::OPEN_ORDERS)) {
        call->asset = std::string(asset);
        call->query_status = answer.status;
        call->query_detail = answer.detail;
        call->orders = answer.value;
    }
    return answer;
}

VenueQuery<std::vector<VenuePosition>> RecordingVenue::positions(std::string_view asset) {
    auto answer = inner_.positions(asset);
    if (VenueCall* call = record(VenueCallKind::POSITIONS)) {
        call->asset = std::string(asset);
        call->query_status = answer.status;
        call->query_detail = answer.detail;
        call->positions = answer.value;
    }
    return answer;
}

VenueQuery<std::vector<VenueEvent>> RecordingVenue::venue_moves(std::string_view asset) {
    auto answer = inner_.venue_moves(asset);
    if (VenueCall* call = record(VenueCallKind::VENUE_MOVES)) {
        call->asset = std::string(asset);
        call->query_status = answer.status;
        call->query_detail = answer.detail;
        call->events = answer.value;
    }
    return answer;
}

// ---------------------------------------------------------------------------------------
// Transforms

BatchTransform shuffle_batches(std::uint64_t seed) {
    return [seed](std::size_t batch_number, std::span<const VenueEvent> batch) {
        std::vector<VenueEvent> out(batch.begin(), batch.end());
        Rng rng = stream_rng(seed, batch_number);
        rng.shuffle(out);
        return out;
    };
}

BatchTransform duplicate_events() {
    return [](std::size_t, std::span<const VenueEvent> batch) {
        std::vector<VenueEvent> out;
        out.reserve(batch.size() * 2);
        for (const VenueEvent& event : batch) {
            out.push_back(event);
            out.push_back(event);
        }
        return out;
    };
}

BatchTransform reverse_and_duplicate_batches() {
    return [](std::size_t, std::span<const VenueEvent> batch) {
        std::vector<VenueEvent> out;
        out.reserve(batch.size() * 2);
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            out.push_back(*it);
            out.push_back(*it);
        }
        return out;
    };
}

BatchTransform reverse_batches() {
    return [](std::size_t, std::span<const VenueEvent> batch) {
        return std::vector<VenueEvent>(batch.rbegin(), batch.rend());
    };
}

BatchTransform compose(BatchTransform first, BatchTransform second) {
    return [first = std::move(first), second = std::move(second)](std::size_t batch_number,
                                                                  std::span<const VenueEvent> batch) {
        const std::vector<VenueEvent> middle = first(batch_number, batch);
        return second(batch_number, middle);
    };
}

OrderingPlan plan_orderings(const InputLog& log, std::uint64_t exhaustive_max) {
    OrderingPlan plan;
    for (const LoggedInput& input : log.inputs) {
        for (const VenueCall& call : input.calls) {
            if (call.kind == VenueCallKind::DRAIN && !call.events.empty()) plan.batch_sizes.push_back(call.events.size());
        }
    }
    plan.total = 1;
    for (const std::size_t size : plan.batch_sizes) {
        const std::uint64_t orders = factorial_capped(size, exhaustive_max);
        if (orders > exhaustive_max || plan.total > exhaustive_max / orders) {
            plan.total = exhaustive_max + 1;
            plan.exhaustive = false;
            return plan;
        }
        plan.total *= orders;
    }
    plan.exhaustive = plan.total <= exhaustive_max;
    return plan;
}

BatchTransform ordering_transform(const OrderingPlan& plan, std::uint64_t index) {
    std::vector<std::uint64_t> digits;
    digits.reserve(plan.batch_sizes.size());
    for (const std::size_t size : plan.batch_sizes) {
        const std::uint64_t orders = factorial_capped(size, UINT64_MAX - 1);
        digits.push_back(index % orders);
        index /= orders;
    }
    return [digits = std::move(digits)](std::size_t batch_number, std::span<const VenueEvent> batch) {
        std::vector<VenueEvent> out(batch.begin(), batch.end());
        if (batch_number >= digits.size() || batch.size() < 2 || digits[batch_number] == 0) return out;
        const auto order = nth_permutation(batch.size(), digits[batch_number]);
        for (std::size_t i = 0; i < order.size(); ++i) out[i] = batch[order[i]];
        return out;
    };
}

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

ReplayRun LogReplayer::run() {
    DITA_ASSERT(!ran_);
    ran_ = true;
    ReplayRun out;
    out.outcomes.reserve(log_.inputs.size());
    out.outcome_inputs.reserve(log_.inputs.size());
    for (std::size_t i = 0; i < log_.inputs.size(); ++i) {
        const LoggedInput& input = log_.inputs[i];
        clock_.set_ns(input.at_ns);
        if (is_idle_pump(input)) continue;
        venue_.begin(i);
        switch (input.kind) {
        case InputKind::INTENT: out.outcomes.push_back(kernel_->process_intent(input.intent)); break;
        case InputKind::EVENT: out.outcomes.push_back(kernel_->on_venue_event(input.event)); break;
        case InputKind::RECONCILE: out.outcomes.push_back(kernel_->reconcile_from_slots(input.snapshots)); break;
        case InputKind::PUMP: out.outcomes.push_back(kernel_->pump_venue()); break;
        case InputKind::RESTART: {
            KernelOutcome outcome;
            kernel_.reset(); // the crash: nothing of the old kernel survives but its journal
            kernel_ = restart_kernel(config_, control_, venue_, zinc(), clock_, outcome);
            out.outcomes.push_back(std::move(outcome));
            break;
        }
        }
        venue_.end();
        out.outcome_inputs.push_back(i);
        if (observer_) observer_(i, out.outcomes.back(), *kernel_);
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

// ---------------------------------------------------------------------------------------
// JSON

Json venue_call_to_json(const VenueCall& call) {
    Json out;
    out["call"] = std::string(to_string(call.kind));
    switch (call.kind) {
    case VenueCallKind::SUBMIT:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["qty"] = decimal_to_json(call.qty);
        out["result"] = call_result_to_json(call.result);
        break;
    case VenueCallKind::CANCEL:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["result"] = call_result_to_json(call.result);
        break;
    case VenueCallKind::DRAIN: out["events"] = array_of(call.events, &event_to_json); break;
    case VenueCallKind::QUERY_ORDER:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["order"] = call.orders.empty() ? Json(nullptr) : venue_order_to_json(call.orders.front());
        break;
    case VenueCallKind::OPEN_ORDERS:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["orders"] = array_of(call.orders, &venue_order_to_json);
        break;
    case VenueCallKind::POSITIONS:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["positions"] = array_of(call.positions, &venue_position_to_json);
        break;
    case VenueCallKind::VENUE_MOVES:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["events"] = array_of(call.events, &event_to_json);
        break;
    }
    return out;
}

JsonResult<VenueCall> venue_call_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"call", "asset", "client_order_id", "qty", "result", "status", "detail", "events",
                           "order", "orders", "positions"});
    VenueCall call;
    call.kind = r.enumeration("call", VenueCallKind::DRAIN, true);
    call.asset = r.string("asset");
    call.client_order_id = r.string("client_order_id");
    call.qty = r.decimal("qty");
    call.query_status = r.enumeration("status", VenueCallStatus::ACCEPTED);
    call.query_detail = r.string("detail");
    if (!r.ok()) return r.error();
    if (const Json* result = r.raw("result")) {
        auto parsed = call_result_from_json(*result, r.field_pointer("result"));
        if (!parsed.ok()) return parsed.error();
        call.result = std::move(parsed).value();
    } else if (call.kind == VenueCallKind::SUBMIT || call.kind == VenueCallKind::CANCEL) {
        return JsonError{r.field_pointer("result"), "missing field"};
    }
    if (const Json* order = r.raw("order"); order != nullptr && !order->is_null()) {
        auto parsed = venue_order_from_json(*order, r.field_pointer("order"));
        if (!parsed.ok()) return parsed.error();
        call.orders.push_back(std::move(parsed).value());
    }
    auto events = read_array(r, "events", &event_from_json);
    if (!events.ok()) return events.error();
    call.events = std::move(events).value();
    auto orders = read_array(r, "orders", &venue_order_from_json);
    if (!orders.ok()) return orders.error();
    if (r.has("orders")) call.orders = std::move(orders).value();
    auto positions = read_array(r, "positions", &venue_position_from_json);
    if (!positions.ok()) return positions.error();
    call.positions = std::move(positions).value();
    return call;
}

Json logged_input_to_json(const LoggedInput& input) {
    Json out;
    out["record"] = "input";
    out["kind"] = std::string(to_string(input.kind));
    out["at_ns"] = input.at_ns;
    switch (input.kind) {
    case InputKind::INTENT: out["intent"] = intent_to_json(input.intent); break;
    case InputKind::EVENT: out["event"] = event_to_json(input.event); break;
    case InputKind::RECONCILE: out["snapshots"] = array_of(input.snapshots, &snapshot_to_json); break;
    case InputKind::PUMP:
    case InputKind::RESTART: break;
    }
    out["calls"] = array_of(input.calls, &venue_call_to_json);
    return out;
}

JsonResult<LoggedInput> logged_input_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"record", "kind", "at_ns", "intent", "event", "snapshots", "calls"});
    LoggedInput input;
    input.kind = r.enumeration("kind", InputKind::PUMP, true);
    input.at_ns = r.integer("at_ns", 0, true);
    if (!r.ok()) return r.error();
    switch (input.kind) {
    case InputKind::INTENT: {
        const Json* intent = r.raw("intent");
        if (intent == nullptr) return JsonError{r.field_pointer("intent"), "missing field"};
        auto parsed = intent_from_json(*intent, r.field_pointer("intent"));
        if (!parsed.ok()) return parsed.error();
        input.intent = std::move(parsed).value();
        break;
    }
    case InputKind::EVENT: {
        const Json* event = r.raw("event");
        if (event == nullptr) return JsonError{r.field_pointer("event"), "missing field"};
        auto parsed = event_from_json(*event, r.field_pointer("event"));
        if (!parsed.ok()) return parsed.error();
        input.event = std::move(parsed).value();
        break;
    }
    case InputKind::RECONCILE: {
        auto snapshots = read_array(r, "snapshots", &snapshot_from_json);
        if (!snapshots.ok()) return snapshots.error();
        input.snapshots = std::move(snapshots).value();
        break;
    }
    case InputKind::PUMP:
    case InputKind::RESTART: break;
    }
    auto calls = read_array(r, "calls", &venue_call_from_json);
    if (!calls.ok()) return calls.error();
    input.calls = std::move(calls).value();
    return input;
}

void write_input_log(const InputLog& log, std::ostream& out) {
    Json header;
    header["record"] = "header";
    header["format"] = log_format;
    header["version"] = log_version;
    header["scenario"] = log.scenario;
    header["venue"] = log.venue_name;
    header["position_mode"] = std::string(to_string(log.position_mode));
    header["max_slots"] = log.setup.max_slots;
    header["initial_capital"] = decimal_to_json(log.setup.initial_capital);
    header["mode"] = std::string(to_string(log.setup.mode));
    header["trace_transitions"] = log.setup.trace_transitions;
    if (!log.setup.client_order_id_prefix.empty()) header["client_order_id_prefix"] = log.setup.client_order_id_prefix;
    Json limits;
    limits["max_position_size"] = decimal_to_json(log.setup.risk_limits.max_position_size);
    limits["max_notional"] = decimal_to_json(log.setup.risk_limits.max_notional);
    limits["max_leverage"] = decimal_to_json(log.setup.risk_limits.max_leverage);
    header["risk_limits"] = std::move(limits);
    Json instruments = Json::object();
    for (const auto& [asset, spec] : log.instruments) {
        instruments[asset] = spec ? instrument_to_json(*spec) : Json(nullptr);
    }
    header["instruments"] = std::move(instruments);
    out << header.dump() << '\n';
    for (const LoggedInput& input : log.inputs) out << logged_input_to_json(input).dump() << '\n';
    Json end;
    end["record"] = "end";
    end["inputs"] = log.inputs.size();
    end["truncated"] = log.truncated;
    end["state_hash"] = hex64(log.final_state_hash);
    out << end.dump() << '\n';
}

bool looks_like_input_log(std::string_view first_line) {
    if (first_line.size() > log_line_chars_max) return false;
    const auto parsed = parse_json_text(first_line, capture_line_json_limits(log_line_chars_max));
    if (!parsed.ok() || !parsed.value().is_object()) return false;
    const Json& header = parsed.value();
    const auto text_is = [&header](const char* key, std::string_view expected) {
        const auto found = header.find(key);
        return found != header.end() && found->is_string() && found->get_ref<const std::string&>() == expected;
    };
    return text_is("record", "header") && text_is("format", log_format);
}

Result<InputLog> read_input_log(std::istream& in, const std::string& source) {
    InputLog log;
    std::string line;
    std::size_t line_number = 0;
    bool have_header = false;
    bool have_end = false;
    const auto error = [&](std::string place, std::string reason) {
        return Error{source, "line " + std::to_string(line_number) + (place.empty() ? "" : ": " + place),
                     std::move(reason)};
    };
    for (BoundedLine next = read_bounded_line(in, log_line_chars_max); next.status != LineStatus::END;
         next = read_bounded_line(in, log_line_chars_max)) {
        ++line_number;
        if (next.status == LineStatus::TOO_LONG) {
            return error("", "line longer than " + std::to_string(log_line_chars_max) + " bytes");
        }
        line = std::move(next.text);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (have_end) return error("", "text after the end record");
        auto document = parse_json_text(line, capture_line_json_limits(log_line_chars_max));
        if (!document.ok()) {
            const JsonTextError& problem = document.error();
            if (!problem.pointer.empty()) return error(problem.pointer, problem.reason);
            return error("", "not valid JSON at column " + std::to_string(problem.offset + 1) + ": " + problem.reason);
        }
        const Json json = std::move(document).value();
        JsonObjectReader r(json, "");
        const std::string record = r.string("record", {}, true);
        if (!r.ok()) return error(r.error().pointer, r.error().reason);
        if (!have_header) {
            if (record != "header") return error("/record", "the first record must be the header, got '" + record + "'");
            r.reject_unknown_keys({"record", "format", "version", "scenario", "venue", "max_slots", "initial_capital",
                                   "mode", "trace_transitions", "risk_limits", "instruments", "position_mode",
                                   "client_order_id_prefix"});
            const std::string format = r.string("format", {}, true);
            const std::int64_t version = r.integer("version", 0, true);
            log.scenario = r.string("scenario");
            log.venue_name = r.string("venue");
            // Logs written before the venue said its mode came from one-way venues.
            log.position_mode = r.enumeration("position_mode", PositionMode::ONE_WAY);
            log.setup.max_slots = static_cast<int>(r.integer("max_slots", 2, true, 1, KernelConfig{}.slots_max));
            log.setup.initial_capital = r.decimal("initial_capital", {}, true);
            log.setup.mode = r.enumeration("mode", KernelMode::DEBUG);
            log.setup.trace_transitions = r.boolean("trace_transitions", true);
            log.setup.client_order_id_prefix = r.string("client_order_id_prefix");
            if (!r.ok()) return error(r.error().pointer, r.error().reason);
            if (!valid_client_order_id_prefix(log.setup.client_order_id_prefix)) {
                return error("/client_order_id_prefix", "must be at most 20 characters of [a-z0-9.]");
            }
            if (format != log_format) return error("/format", "expected \"" + std::string(log_format) + "\", got \"" + format + "\"");
            if (version != log_version) return error("/version", "unsupported version " + std::to_string(version));
            if (log.setup.initial_capital.is_negative()) return error("/initial_capital", "must not be negative");
            if (const Json* limits = r.raw("risk_limits")) {
                JsonObjectReader lr(*limits, "/risk_limits");
                lr.reject_unknown_keys({"max_position_size", "max_notional", "max_leverage"});
                log.setup.risk_limits.max_position_size = lr.decimal("max_position_size");
                log.setup.risk_limits.max_notional = lr.decimal("max_notional");
                log.setup.risk_limits.max_leverage = lr.decimal("max_leverage", log.setup.risk_limits.max_leverage);
                if (!lr.ok()) return error(lr.error().pointer, lr.error().reason);
                InMemoryControlPlane probe;
                ControlUpdate update;
                update.max_position_size = log.setup.risk_limits.max_position_size;
                update.max_notional = log.setup.risk_limits.max_notional;
                update.max_leverage = log.setup.risk_limits.max_leverage;
                const ControlResult accepted = probe.update(update);
                if (!accepted.accepted) return error("/risk_limits", accepted.detail);
            }
            if (const Json* instruments = r.raw("instruments")) {
                if (!instruments->is_object()) return error("/instruments", "expected an object, got " + describe_json(*instruments));
                for (const auto& [asset, spec] : instruments->items()) {
                    if (spec.is_null()) {
                        log.instruments[asset] = std::nullopt;
                        continue;
                    }
                    auto parsed = instrument_from_json(spec, "/instruments/" + json_pointer_token(asset));
                    if (!parsed.ok()) return error(parsed.error().pointer, parsed.error().reason);
                    log.instruments[asset] = std::move(parsed).value();
                }
            }
            have_header = true;
            continue;
        }
        if (record == "input") {
            if (log.inputs.size() >= InputLog::inputs_max) return error("", "more than " + std::to_string(InputLog::inputs_max) + " inputs");
            auto input = logged_input_from_json(json, "");
            if (!input.ok()) return error(input.error().pointer, input.error().reason);
            log.inputs.push_back(std::move(input).value());
            continue;
        }
        if (record == "end") {
            r.reject_unknown_keys({"record", "inputs", "truncated", "state_hash"});
            const std::uint64_t inputs = r.unsigned_integer("inputs", 0, true);
            log.truncated = r.boolean("truncated");
            const std::string hash = r.string("state_hash", {}, true);
            if (!r.ok()) return error(r.error().pointer, r.error().reason);
            if (inputs != log.inputs.size()) {
                return error("/inputs", "the end record counts " + std::to_string(inputs) + " inputs, the file has " +
                                            std::to_string(log.inputs.size()));
            }
            const auto parsed = parse_hex64(hash);
            if (!parsed) return error("/state_hash", "expected 16 lower-case hex digits, got \"" + hash + "\"");
            log.final_state_hash = *parsed;
            have_end = true;
            continue;
        }
        return error("/record", "unknown record '" + record + "' (expected input or end)");
    }
    if (!have_header) return Error{source, "", "empty file: no input-log header"};
    if (!have_end) return Error{source, "line " + std::to_string(line_number), "no end record (the file is cut short)"};
    return log;
}

std::optional<Error> save_input_log(const InputLog& log, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Error{path, "", "cannot open for writing"};
    write_input_log(log, out);
    out.flush();
    if (!out) return Error{path, "", "write failed"};
    return std::nullopt;
}

Result<InputLog> load_input_log(const std::string& path) {
    if (exists_but_not_regular_file(path)) return Error{path, "", "not a regular file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "", "cannot open for reading"};
    return read_input_log(in, path);
}

} // namespace dita::chaos
