#pragma once
// EventSequencer: captures the VenueEvents of a run (thread-safe), saves and loads them as
// JSON lines (every field; Decimals as exact strings), and replays them into a kernel in the
// captured order, in a seeded shuffled order, or in every order of a short stream.
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "dita/chaos/result.hpp"
#include "dita/contracts/types.hpp"
#include "dita/contracts/venue.hpp"
#include "dita/kernel/kernel.hpp"

namespace dita::chaos {

class EventSequencer final : public EventSink {
public:
    static constexpr std::size_t events_max = 1u << 20;

    EventSequencer() = default;
    EventSequencer(const EventSequencer&) = delete;
    EventSequencer& operator=(const EventSequencer&) = delete;

    // Safe from any thread. Beyond events_max events are counted as dropped, not stored.
    void capture(const VenueEvent& event);
    void capture_many(std::span<const VenueEvent> events);
    void deliver(const VenueEvent& event) override { capture(event); }

    std::vector<VenueEvent> events() const; // a copy, in capture order
    std::size_t count() const;
    std::size_t dropped() const;
    void clear();

    // The seed's replay_against: every captured event into the kernel, in capture order or
    // shuffled from the seed (our own generator: the same order on every platform).
    std::vector<KernelOutcome> replay_against(ExecutionKernel& kernel, bool shuffle = false,
                                              std::uint64_t seed = 42) const;
    // Replays in the given order (indices into events()).
    std::vector<KernelOutcome> replay_in_order(ExecutionKernel& kernel, std::span<const std::size_t> order) const;

    void write_jsonl(std::ostream& out) const;
    std::optional<Error> save(const std::string& path) const;

private:
    mutable std::mutex mutex_;
    std::vector<VenueEvent> events_;
    std::size_t dropped_ = 0;
};

// Reads JSON lines of VenueEvents (blank lines skipped); errors name the line and the field.
Result<std::vector<VenueEvent>> read_events_jsonl(std::istream& in, const std::string& source);
Result<std::vector<VenueEvent>> load_events(const std::string& path);

// Orders to replay a stream of n events in: all n! when n <= exhaustive_events_max, otherwise
// the captured order followed by samples - 1 seeded shuffles.
struct EventOrderings {
    std::vector<std::vector<std::size_t>> orders;
    bool exhaustive = true;
};
EventOrderings event_orderings(std::size_t n, std::size_t samples, std::uint64_t seed,
                               std::size_t exhaustive_events_max = 8);

} // namespace dita::chaos
