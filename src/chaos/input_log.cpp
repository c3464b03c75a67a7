// Input logs: bounded line reading, the log, the recording venue and the event-batch transforms.
// Replaying one is in input_log_replay.cpp, its JSON lines in input_log_json.cpp.
#include "dita/chaos/input_log.hpp"

#include <algorithm>
#include <filesystem>
#include <istream>

#include "dita/chaos/random.hpp"
#include "dita/chaos/text_lines.hpp"

namespace dita::chaos {

namespace {

// Recording sink: keeps a copy of each event, then hands it on.
class TeeSink final : public EventSink {
public:
    TeeSink(EventSink& target, std::vector<VenueEvent>* copy) : target_(target), copy_(copy) {}
    void deliver(const VenueEvent& event) override {
        if (copy_ != nullptr) {
            copy_->push_back(event);
        }
        target_.deliver(event);
    }

private:
    EventSink& target_;
    std::vector<VenueEvent>* copy_;
};

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

LoggedInput* RecordingVenue::open(InputKind kind, std::int64_t at_ns) {
    if (log_.inputs.size() >= std::min(log_.inputs_limit, InputLog::inputs_max)) {
        log_.truncated = true;
        active_ = false;
        return nullptr;
    }
    LoggedInput& logged = log_.inputs.emplace_back();
    logged.kind = kind;
    logged.at_ns = at_ns;
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
    if (call == nullptr) {
        inner_.drain_events(sink);
        return;
    }
    // Gathered in a buffer that keeps its capacity, then logged at their exact size: the log
    // holds every batch of the run, and room for four events where one or two came is most
    // of a step's log.
    batch_.clear();
    TeeSink tee(sink, &batch_);
    inner_.drain_events(tee);
    call->events.assign(batch_.begin(), batch_.end());
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

} // namespace dita::chaos
