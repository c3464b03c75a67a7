#pragma once
// The seam between the chaos layer and venue implementations. The orchestrator, the checker
// and the replays know only VenueAdapter; a factory builds the concrete venue for a scenario's
// settings. The mock factory ships here; a live venue (BingX) plugs in its own.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <string>

#include "dita/chaos/result.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/contracts/clock.hpp"
#include "dita/contracts/venue.hpp"

namespace dita::chaos {

struct VenueHandle {
    std::unique_ptr<VenueAdapter> venue;
    // Events the venue holds that the kernel has not drained yet; empty when the venue cannot
    // tell (the leak check then relies on the other counts).
    std::function<std::size_t()> pending_events;
    // When the earliest held event becomes deliverable (a venue with latency); empty when the
    // venue cannot tell. A virtual-time run moves its clock there to let the venue come to rest.
    std::function<std::optional<std::int64_t>()> next_due_ns;
    // Stops the venue drawing new faults (it still delivers what it holds); empty when the
    // venue cannot be calmed (a live one).
    std::function<void()> calm;
    // The market moves to a mark (a MARK_PRICE step): a simulated venue liquidates, funds and
    // draws its own moves at it; empty for a live venue (its market moves by itself).
    std::function<void(std::string_view asset, Decimal price)> set_mark;
    // KernelConfig::client_order_id_prefix for this run: a venue account that outlives runs
    // (BingX) needs ids no earlier run used; empty for a fresh venue (the mock).
    std::string client_order_id_prefix;
    // After the run: why the run could not trade on this venue when it should have (every
    // entry refused by a venue that was not set to refuse them); nullopt when it traded or the
    // venue cannot tell. The suite turns an answer into a failed check (venue_could_trade).
    std::function<std::optional<std::string>()> trading_problem;
};

// Builds a venue for one run. The clock outlives the venue. Errors as values (a live venue
// that cannot connect, settings it cannot model).
using VenueFactory = std::function<Result<VenueHandle>(const VenueSettings& settings, const Clock& clock)>;

// MockVenueAdapter with the settings as its MockVenueScenario.
VenueFactory mock_venue_factory();

} // namespace dita::chaos
