#pragma once
// Seeded random chaos scenarios (issue 5): a 64-bit seed gives one scenario, the same on every
// machine (dita::Rng only), over both chaos slots, with random venue faults drawn from the seed.
#include <cstddef>
#include <cstdint>

#include "dita/chaos/scenario.hpp"

namespace dita::chaos {

struct GeneratorOptions {
    std::size_t steps_max = 24; // 1..steps_max steps (storms may add a few more, bounded)
    bool faults = true;         // draw venue faults; false: the default venue
    bool restarts = true;       // RESTART steps (kernel crash, rebuilt from the journal)
    // Valid prices far from the usual ones (650x). On a venue that liquidates first capital
    // stays positive; on one that never does (liquidations false) it can go below zero, which
    // the capital check reports (a known-failing shape for testing the tooling).
    bool wild_prices = true;
    // The venue's own moves drawn per seed (from a stream of their own, so the steps and other
    // faults a seed draws are the same without them): ADL, manual closes, funding every few
    // minutes, one-way accounts.
    bool venue_moves = true;
    // The venue liquidates leveraged positions (isolated margin) when the mark crosses their
    // liquidation price.
    bool liquidations = true;
    // Large scenarios (`dita fuzz --large`): this share of seeds, picked by a draw of its own
    // (a second stream from the seed, so the scenario's other draws are those of the same seed
    // without it), gets 1..large_steps_max steps instead. 0 keeps every seed's scenario as it
    // was before the option existed.
    std::uint64_t large_share_percent = 0;
    std::size_t large_steps_max = 400;
};

// Named "fuzz-<seed>". Every value it holds is one a scenario file can carry (finite numbers,
// slots 0..1, delays within bounds), so the scenario saves and reloads unchanged.
ChaosScenario generate_scenario(std::uint64_t seed, const GeneratorOptions& options = {});

} // namespace dita::chaos
