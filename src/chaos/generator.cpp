#include "dita/chaos/generator.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "dita/contracts/rng.hpp"

namespace dita::chaos {

namespace {

template <typename T, std::size_t N>
const T& pick(Rng& rng, const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(rng.below(N))];
}

bool percent(Rng& rng, std::uint64_t chance) { return rng.below(100) < chance; }

// Sizes at and around the lot step (0.001): on-lot, off-lot, zero, negative, huge.
double draw_size(Rng& rng) {
    static constexpr std::array<double, 8> usual{0.001, 0.002, 0.003, 0.005, 0.01, 0.01, 0.02, 0.1};
    static constexpr std::array<double, 8> odd{0.0, 0.0015, 0.0009, 0.0101, -0.01, 1e-8, 1000.0, 0.999};
    return percent(rng, 80) ? pick(rng, usual) : pick(rng, odd);
}

double draw_price(Rng& rng, bool wild) {
    static constexpr std::array<double, 6> usual{100.0, 100.0, 99.5, 101.0, 102.5, 97.0};
    // Odd prices are ones the kernel must refuse (zero, negative, below the tick, beyond its
    // bound) or barely legal.
    static constexpr std::array<double, 7> odd{0.0, -1.0, 1e-8, 1e12, 0.05, 100.05, 1e9};
    // Wild: a valid price 650 times the usual, enough to bankrupt a leveraged account were the
    // venue not to liquidate it first.
    static constexpr std::array<double, 7> wild_odd{0.0, -1.0, 1e-8, 1e12, 0.05, 100.05, 65000.0};
    if (percent(rng, 85)) return pick(rng, usual);
    return wild ? pick(rng, wild_odd) : pick(rng, odd);
}

// Drawn into `legs`' room (the step's default leg): one allocation at most where a new vector
// made two.
std::vector<double> draw_legs(Rng& rng, std::vector<double> legs) {
    switch (rng.below(10)) {
    case 0: legs.assign({0.5, 1.0}); break;
    case 1: legs.assign({0.25, 0.5, 1.0}); break;
    case 2: legs.assign({0.3, 0.7, 1.0}); break;
    case 3: legs.assign({0.5}); break;      // invalid: does not end at 1.0
    case 4: legs.assign({1.0, 0.5}); break; // invalid: not increasing
    case 5: legs.clear(); break;            // invalid: empty
    case 6: legs.assign({0.0, 1.0}); break; // invalid: a zero leg
    default: legs.assign({1.0}); break;
    }
    return legs;
}

double draw_delay(Rng& rng) {
    static constexpr std::array<double, 6> delays{0.001, 0.01, 0.05, 0.5, 5.0, 120.0};
    return percent(rng, 65) ? 0.0 : pick(rng, delays);
}

double draw_probability(Rng& rng) {
    static constexpr std::array<double, 5> levels{0.01, 0.05, 0.1, 0.25, 0.5};
    return percent(rng, 60) ? 0.0 : pick(rng, levels);
}

void draw_venue_moves(VenueSettings& venue) {
    // Their own stream: a seed's steps and other faults stay what they were without them.
    Rng moves(venue.seed ^ 0x6d6f7665'73747265ULL);
    venue.adl_probability = draw_probability(moves);
    venue.manual_close_probability = draw_probability(moves);
    if (percent(moves, 30)) {
        static constexpr std::array<double, 4> rates{0.0001, 0.001, -0.0005, 0.01};
        venue.funding_rate = pick(moves, rates);
        venue.funding_interval_ns = moves.between(60, 600) * 1'000'000'000;
    }
    if (percent(moves, 30)) venue.position_mode = PositionMode::ONE_WAY;
}

VenueSettings draw_venue(Rng& rng, bool faults) {
    VenueSettings venue;
    venue.seed = rng.next() >> 11; // JSON numbers keep 53 bits exactly
    if (!faults) return venue;
    static constexpr std::array<double, 6> ratios{1.0, 1.0, 1.0, 0.5, 0.25, 0.75};
    venue.partial_fill_ratio = pick(rng, ratios);
    venue.random_partial_fills = percent(rng, 15);
    venue.reject_entries = percent(rng, 3);
    venue.reject_exits = percent(rng, 3);
    venue.cancel_reject = percent(rng, 3);
    if (percent(rng, 30)) venue.latency_ns = rng.between(1, 50'000'000);
    for (const VenueProbabilityField& field : venue_probability_fields) {
        // The venue's own moves draw from their own stream (draw_venue_moves).
        if (field.member == &VenueSettings::adl_probability || field.member == &VenueSettings::manual_close_probability) {
            continue;
        }
        venue.*field.member = draw_probability(rng);
    }
    if (venue.delay_probability > 0.0) venue.delay_ns_max = rng.between(1, 2'000'000'000);
    // A position no kernel order made (the FIELD scenario unknown_venue_position), drawn from
    // a stream of its own so the main stream, and every seed's steps, stay as they were.
    Rng foreign(venue.seed ^ 0x9e3779b97f4a7c15ULL);
    if (percent(foreign, 5)) {
        static constexpr std::array<double, 4> sizes{0.001, 0.01, 0.013, 0.002};
        venue.initial_foreign_position = pick(foreign, sizes) * (percent(foreign, 50) ? 1.0 : -1.0);
        venue.initial_foreign_position_price = 100.0;
    }
    return venue;
}

ChaosStep draw_step(Rng& rng, ChaosAction action, bool wild_prices) {
    ChaosStep step;
    step.action = action;
    step.delay_before = draw_delay(rng);
    step.side = percent(rng, 50) ? TradeSide::LONG : TradeSide::SHORT;
    step.target_size = draw_size(rng);
    step.reference_price = draw_price(rng, wild_prices);
    static constexpr std::array<double, 6> leverages{1.0, 1.0, 2.0, 10.0, 125.0, 0.0};
    step.leverage = percent(rng, 90) ? 1.0 : pick(rng, leverages);
    if (action == ChaosAction::ENTER) step.exit_leg_ratios = draw_legs(rng, std::move(step.exit_leg_ratios));
    if (percent(rng, 40)) step.slot_id = static_cast<int>(rng.below(scenario_slots));
    return step;
}

ChaosAction draw_action(Rng& rng, bool restarts) {
    const std::uint64_t roll = rng.below(100);
    if (roll < 30) return ChaosAction::ENTER;
    if (roll < 52) return ChaosAction::EXIT;
    if (roll < 64) return ChaosAction::CANCEL;
    if (roll < 74) return ChaosAction::MARK_PRICE;
    if (roll < 84) return ChaosAction::RECONCILE;
    if (roll < 94 || !restarts) return ChaosAction::WAIT;
    return ChaosAction::RESTART;
}

// The steps bound of one seed: the option's, or for a share of seeds under `large`, the large
// one. Drawn from its own stream so that no draw of the scenario's stream moves.
std::size_t drawn_steps_max(std::uint64_t seed, const GeneratorOptions& options) {
    const std::size_t usual = options.steps_max == 0 ? 1 : options.steps_max;
    if (options.large_share_percent == 0) return usual;
    Rng size_stream(seed ^ 0x6c61726765ULL); // "large"
    if (!percent(size_stream, options.large_share_percent)) return usual;
    return std::max(usual, options.large_steps_max);
}

} // namespace

ChaosScenario generate_scenario(std::uint64_t seed, const GeneratorOptions& options) {
    Rng rng(seed);
    ChaosScenario scenario;
    scenario.name = "fuzz-" + std::to_string(seed);
    scenario.description = "generated from seed " + std::to_string(seed);
    scenario.slot_id = static_cast<int>(rng.below(scenario_slots));
    scenario.at_rest = true;
    scenario.venue = draw_venue(rng, options.faults);
    if (options.faults && options.venue_moves) draw_venue_moves(scenario.venue);
    scenario.venue.liquidations = options.liquidations;
    const std::size_t steps_max = drawn_steps_max(seed, options);
    const std::size_t steps = 1 + static_cast<std::size_t>(rng.below(steps_max));
    scenario.steps.reserve(steps + 8);
    while (scenario.steps.size() < steps) {
        const std::uint64_t move = rng.below(100);
        if (move < 6) {
            // An intent storm on one slot: enters, exits and cancels with no time between them.
            const int slot = static_cast<int>(rng.below(scenario_slots));
            const std::size_t storm = 3 + static_cast<std::size_t>(rng.below(6));
            for (std::size_t i = 0; i < storm; ++i) {
                static constexpr std::array<ChaosAction, 4> storm_actions{ChaosAction::ENTER, ChaosAction::EXIT,
                                                                          ChaosAction::CANCEL, ChaosAction::ENTER};
                ChaosStep step = draw_step(rng, pick(rng, storm_actions), options.wild_prices);
                step.delay_before = 0.0;
                step.slot_id = slot;
                scenario.steps.push_back(std::move(step));
            }
        } else if (move < 12) {
            // A slot reused many times: full enter/exit cycles back to back.
            const int slot = static_cast<int>(rng.below(scenario_slots));
            const std::size_t cycles = 2 + static_cast<std::size_t>(rng.below(3));
            for (std::size_t i = 0; i < cycles; ++i) {
                ChaosStep enter = draw_step(rng, ChaosAction::ENTER, options.wild_prices);
                enter.slot_id = slot;
                enter.target_size = 0.01;
                enter.reference_price = 100.0;
                ChaosStep exit = enter;
                exit.action = ChaosAction::EXIT;
                scenario.steps.push_back(std::move(enter));
                scenario.steps.push_back(std::move(exit));
            }
        } else if (move < 16 && options.restarts) {
            // A crash right after an entry: the journal and the venue must bring the trade back.
            ChaosStep enter = draw_step(rng, ChaosAction::ENTER, options.wild_prices);
            scenario.steps.push_back(enter);
            ChaosStep restart;
            restart.action = ChaosAction::RESTART;
            scenario.steps.push_back(restart);
        } else {
            scenario.steps.push_back(draw_step(rng, draw_action(rng, options.restarts), options.wild_prices));
        }
    }
    if (scenario.venue.initial_foreign_position != 0.0) {
        // A reconcile first, as a kernel starting on an account would: it adopts the foreign
        // position. Without it the first entry nets with it at the venue, and the kernel rightly
        // fails closed (RECONCILE_MISMATCH at ERROR), which the checks count as a failure.
        ChaosStep reconcile;
        reconcile.action = ChaosAction::RECONCILE;
        scenario.steps.insert(scenario.steps.begin(), reconcile);
    }
    return scenario;
}

} // namespace dita::chaos
