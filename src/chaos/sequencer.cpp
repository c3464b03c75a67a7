#include "dita/chaos/sequencer.hpp"

#include <algorithm>
#include <fstream>
#include <istream>
#include <numeric>
#include <ostream>

#include "dita/chaos/random.hpp"
#include "dita/chaos/text_lines.hpp"
#include "dita/contracts/json.hpp"

namespace dita::chaos {

namespace {

constexpr std::size_t event_line_chars_max = 1u << 20;
// 9! = 362,880 orders is the most ever enumerated, whatever the caller asks.
constexpr std::size_t exhaustive_events_limit = 9;

} // namespace

void EventSequencer::capture(const VenueEvent& event) {
    const std::lock_guard lock(mutex_);
    if (events_.size() >= events_max) {
        ++dropped_;
        return;
    }
    events_.push_back(event);
}

void EventSequencer::capture_many(std::span<const VenueEvent> events) {
    const std::lock_guard lock(mutex_);
    for (const VenueEvent& event : events) {
        if (events_.size() >= events_max) {
            ++dropped_;
            continue;
        }
        events_.push_back(event);
    }
}

std::vector<VenueEvent> EventSequencer::events() const {
    const std::lock_guard lock(mutex_);
    return events_;
}

std::size_t EventSequencer::count() const {
    const std::lock_guard lock(mutex_);
    return events_.size();
}

std::size_t EventSequencer::dropped() const {
    const std::lock_guard lock(mutex_);
    return dropped_;
}

void EventSequencer::clear() {
    const std::lock_guard lock(mutex_);
    events_.clear();
    dropped_ = 0;
}

std::vector<KernelOutcome> EventSequencer::replay_against(ExecutionKernel& kernel, bool shuffle,
                                                          std::uint64_t seed) const {
    const std::vector<VenueEvent> snapshot = events();
    std::vector<std::size_t> order(snapshot.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (shuffle) order = shuffled_indices(snapshot.size(), seed);
    std::vector<KernelOutcome> outcomes;
    outcomes.reserve(order.size());
    for (const std::size_t index : order) outcomes.push_back(kernel.on_venue_event(snapshot[index]));
    return outcomes;
}

std::vector<KernelOutcome> EventSequencer::replay_in_order(ExecutionKernel& kernel,
                                                           std::span<const std::size_t> order) const {
    const std::vector<VenueEvent> snapshot = events();
    std::vector<KernelOutcome> outcomes;
    outcomes.reserve(order.size());
    for (const std::size_t index : order) {
        if (index < snapshot.size()) outcomes.push_back(kernel.on_venue_event(snapshot[index]));
    }
    return outcomes;
}

void EventSequencer::write_jsonl(std::ostream& out) const {
    for (const VenueEvent& event : events()) out << event_to_json(event).dump() << '\n';
}

std::optional<Error> EventSequencer::save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Error{path, "", "cannot open for writing"};
    write_jsonl(out);
    out.flush();
    if (!out) return Error{path, "", "write failed"};
    return std::nullopt;
}

Result<std::vector<VenueEvent>> read_events_jsonl(std::istream& in, const std::string& source) {
    std::vector<VenueEvent> out;
    std::string line;
    std::size_t line_number = 0;
    for (BoundedLine next = read_bounded_line(in, event_line_chars_max); next.status != LineStatus::END;
         next = read_bounded_line(in, event_line_chars_max)) {
        ++line_number;
        const std::string place = "line " + std::to_string(line_number);
        if (next.status == LineStatus::TOO_LONG) {
            return Error{source, place, "line longer than " + std::to_string(event_line_chars_max) + " bytes"};
        }
        line = std::move(next.text);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (out.size() >= EventSequencer::events_max) {
            return Error{source, place, "more than " + std::to_string(EventSequencer::events_max) + " events"};
        }
        auto parsed = parse_json_text(line, capture_line_json_limits(event_line_chars_max));
        if (!parsed.ok()) {
            const JsonTextError& problem = parsed.error();
            if (!problem.pointer.empty()) return Error{source, place + ": " + problem.pointer, problem.reason};
            return Error{source, place,
                         "not valid JSON at column " + std::to_string(problem.offset + 1) + ": " + problem.reason};
        }
        const Json json = std::move(parsed).value();
        auto event = event_from_json(json, "");
        if (!event.ok()) return Error{source, place + ": " + event.error().pointer, event.error().reason};
        out.push_back(std::move(event).value());
    }
    return out;
}

Result<std::vector<VenueEvent>> load_events(const std::string& path) {
    if (exists_but_not_regular_file(path)) return Error{path, "", "not a regular file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "", "cannot open for reading"};
    return read_events_jsonl(in, path);
}

EventOrderings event_orderings(std::size_t n, std::size_t samples, std::uint64_t seed,
                               std::size_t exhaustive_events_max) {
    EventOrderings out;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (n <= std::min(exhaustive_events_max, exhaustive_events_limit)) {
        do {
            out.orders.push_back(order);
        } while (std::next_permutation(order.begin(), order.end()));
        out.exhaustive = true;
        return out;
    }
    out.exhaustive = false;
    out.orders.push_back(order);
    for (std::size_t i = 1; i < samples; ++i) out.orders.push_back(shuffled_indices(n, seed + i));
    return out;
}

} // namespace dita::chaos
