#pragma once
// BingX for the chaos layer (lives here, not under venues/, because it builds the simulator of
// tools/ and the chaos layer's factory; the adapter itself knows neither): a VenueFactory that builds, for each run, either
//  - bingx-sim: a local simulator on a free loopback port with a BingxVenueAdapter on it, the
//    scenario's venue settings mapped onto the simulator (rejects, partial fills, fees, lot
//    step, and its fault probabilities onto the exchange-like faults the simulator has), or
//  - bingx: a BingxVenueAdapter on a real BingX host (demo or live), keys from the
//    environment, only with the explicit live opt-in and positive size and notional caps.
// Runs through it use wall-clock time (StackOptions::time = TimeMode::WALL).
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "dita/bingx_sim/simulator.hpp"
#include "dita/chaos/venue_factory.hpp"
#include "dita/venues/bingx/bingx_venue.hpp"

namespace dita::chaos {

// What the simulators of a series of runs did, summed as each run's venue goes away (for a
// CLI's summary line, and for tests to see the faults were really drawn).
struct BingxChaosTally {
    std::atomic<std::uint64_t> runs{0};
    std::atomic<std::uint64_t> orders_created{0};
    std::atomic<std::uint64_t> faults_injected{0}; // HTTP 5xx, slow, dropped, rate-limited, stream dup/delay/cut
    std::atomic<std::uint64_t> stream_events_lost{0};
};

struct BingxChaosOptions {
    bool simulator = true; // false: the venue at rest_url / ws_url

    // bingx-sim: faults added to those the scenario's settings map to (e.g. moderate_faults()).
    std::optional<bingx_sim::SimFaults> extra_faults;
    std::uint64_t seed_offset = 0; // added to the scenario's seed (repeated runs draw anew)
    std::shared_ptr<BingxChaosTally> tally; // optional

    // bingx-sim: one account for the whole series (and for later runs and processes): every
    // run's simulator loads this file and writes it after each change. Empty: a fresh
    // simulator account per run.
    std::string sim_state_path;

    // bingx (a real host, or a simulator the user started on loopback):
    std::string rest_url;
    std::string ws_url; // empty: derived from rest_url for BingX's own hosts (stream_url_for)
    bool live = false; // the --live flag; without it only loopback hosts are used
    Decimal order_qty_max;      // required (> 0) for a real host
    Decimal order_notional_max; // required (> 0) for a real host

    // "At rest" after each step: no event for quiet_ms (bounded by settle_timeout_ms). The
    // orchestrator asks the handle for pending events after each step; the handle waits for
    // rest first, so each step's consequences are in before the next step.
    int quiet_ms = 100;
    int settle_timeout_ms = 15000;
    int request_timeout_ms = 1000; // the adapter's, for the simulator
};

// Every run on an account that outlives it (a real host, or bingx-sim with sim_state_path)
// first puts the account back to its baseline, what the first run found: orders placed since
// are cancelled and positions grown since are closed (reduce-only), then checked. Its client
// order ids carry "<account epoch>.<run>" (the epoch: the server's clock at the first run, in
// base 36), so no two runs on the account share one. A run whose every entry the venue
// refused, on settings that do not ask for refusals, fails (check venue_could_trade).
VenueFactory bingx_chaos_venue_factory(BingxChaosOptions options);

// The simulator configuration a scenario's venue settings stand for; an error for settings
// the exchange cannot have (a lot step that is not a power of ten, bad numbers).
Result<bingx_sim::SimConfig> sim_config_for(const VenueSettings& settings);

} // namespace dita::chaos
