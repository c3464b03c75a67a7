#pragma once
// Chaos scenarios: named timelines of adversarial steps, as the users' seed module defines them
// (ChaosAction, ChaosStep, ChaosScenario, the ten built-ins and their groups).
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dita/contracts/enums.hpp"
#include "dita/contracts/types.hpp"

namespace dita {

// RESTART extends SPEC 6's action list: the kernel crashes and a new one is built from the zinc
// plane's journal (ExecutionKernel::restore), which then reconciles with the venue's truth.
#define DITA_CHAOS_ACTION(X) X(ENTER) X(EXIT) X(CANCEL) X(MARK_PRICE) X(RECONCILE) X(WAIT) X(RESTART)
DITA_DECLARE_ENUM(ChaosAction, DITA_CHAOS_ACTION)

} // namespace dita

namespace dita::chaos {

// One step of a timeline. Defaults are the seed's ChaosStep defaults; a scenario file's step
// takes them for every field it leaves out.
struct ChaosStep {
    ChaosAction action = ChaosAction::ENTER;
    double delay_before = 0.0; // seconds; advances the virtual clock, sleeps only in wall-clock mode
    TradeSide side = TradeSide::SHORT;
    double target_size = 0.01;
    double reference_price = 100.0;
    double leverage = 1.0;
    std::vector<double> exit_leg_ratios{1.0};
    std::string reason = "chaos";
    std::map<std::string, std::string> metadata;
    std::optional<int> slot_id; // the slot this step acts on; absent: the scenario's

    friend bool operator==(const ChaosStep&, const ChaosStep&) = default;
};

// The venue a scenario runs against: the MockVenueScenario fields, by the same names, in the
// same order, with the same defaults (mock_venue_factory.cpp checks the two stay alike). A venue
// factory turns them into an adapter; other venues read what applies to them.
struct VenueSettings {
    bool reject_entries = false;
    bool reject_exits = false;
    double partial_fill_ratio = 1.0;
    bool cancel_reject = false;
    double taker_fee_rate = 0.0005;
    double maker_fee_rate = 0.0002;
    double lot_step = 0.001;
    double tick_size = 0.1;
    double min_qty = 0.001;
    std::vector<std::string> assets{"BTCUSDT"};
    std::uint64_t seed = 0;
    std::size_t finished_orders_retained_max = 2048;

    // Fault injection, drawn from seed: probabilities per event or per call, from 0 to 1.
    std::int64_t latency_ns = 0;
    double duplicate_probability = 0.0;
    double reorder_probability = 0.0;
    double drop_probability = 0.0;
    double delay_probability = 0.0;
    std::int64_t delay_ns_max = 0;
    double submit_unknown_probability = 0.0;
    double cancel_unknown_probability = 0.0;
    double random_reject_probability = 0.0;
    double random_cancel_reject_probability = 0.0;
    double late_fill_on_cancel_probability = 0.0;
    double overfill_probability = 0.0;
    double short_fill_probability = 0.0;
    bool random_partial_fills = false;
    // A position on the account at venue start that no kernel order made (signed: long
    // positive), opened at this price (someone trading by hand, a crashed older process).
    double initial_foreign_position = 0.0;
    double initial_foreign_position_price = 0.0;
    // Exits only reduce the account's position (BingX's reduceOnly): none to reduce, rejected.
    bool reduce_only_exits = true;
    // HEDGE (the BingX adapter's default) or ONE_WAY; margin, liquidation and funding as the
    // mock models them (MockVenueScenario says how); seeded venue moves.
    PositionMode position_mode = PositionMode::HEDGE;
    double maintenance_margin_rate = 0.004;
    double liquidation_fee_rate = 0.006;
    bool liquidations = true;
    double funding_rate = 0.0001;
    std::int64_t funding_interval_ns = 28'800'000'000'000;
    double adl_probability = 0.0;
    double manual_close_probability = 0.0;

    friend bool operator==(const VenueSettings&, const VenueSettings&) = default;
};

// The probability fields of VenueSettings by name (for files, listings and factories).
struct VenueProbabilityField {
    const char* name;
    double VenueSettings::*member;
};
inline constexpr VenueProbabilityField venue_probability_fields[] = {
    {"duplicate_probability", &VenueSettings::duplicate_probability},
    {"reorder_probability", &VenueSettings::reorder_probability},
    {"drop_probability", &VenueSettings::drop_probability},
    {"delay_probability", &VenueSettings::delay_probability},
    {"submit_unknown_probability", &VenueSettings::submit_unknown_probability},
    {"cancel_unknown_probability", &VenueSettings::cancel_unknown_probability},
    {"random_reject_probability", &VenueSettings::random_reject_probability},
    {"random_cancel_reject_probability", &VenueSettings::random_cancel_reject_probability},
    {"late_fill_on_cancel_probability", &VenueSettings::late_fill_on_cancel_probability},
    {"overfill_probability", &VenueSettings::overfill_probability},
    {"short_fill_probability", &VenueSettings::short_fill_probability},
    {"adl_probability", &VenueSettings::adl_probability},
    {"manual_close_probability", &VenueSettings::manual_close_probability},
};

struct ChaosScenario {
    std::string name;
    std::string description;
    std::vector<ChaosStep> steps;
    VenueSettings venue;
    int slot_id = 0;
    // Brought to rest after the last step (venue calmed, working orders canceled, reconciled),
    // then checked for liveness too: how campaigns run, so their reproducers re-run the same.
    bool at_rest = false;

    friend bool operator==(const ChaosScenario&, const ChaosScenario&) = default;
};

// Limits on what a scenario may hold (files are user input).
inline constexpr std::size_t scenario_steps_max = 20'000;
inline constexpr std::size_t scenario_name_chars_max = 100;
inline constexpr double step_delay_seconds_max = 86'400.0;
inline constexpr int scenario_slots = 2; // the chaos kernel's max_slots (the seed's build_test_kernel)

// The ten built-ins of the seed, in the seed's order, each with the venue settings the seed's
// _venue_for_scenario gives it (partial_fill_ratio 0.5 for competing_cancel, cancel_after_fill
// and entry_reconcile_exit).
std::span<const ChaosScenario> builtin_scenarios();
// The seed's groups. ALL_SCENARIOS: rapid_entry_exit, two_leg_rapid, entry_then_mark,
// size_at_lot_boundary, entry_exit_10x. EDGE_CASE_SCENARIOS: zero_size_entry, negative_price_entry.
std::span<const ChaosScenario> all_scenarios();
std::span<const ChaosScenario> edge_case_scenarios();
// The seed's reject variants: SCENARIO_REJECT_ENTRY is competing_cancel on a venue that rejects
// entries; SCENARIO_REJECT_EXIT is cancel_after_fill on a venue that rejects cancels. Named
// reject_entry and reject_exit so reports tell them apart from their base scenarios.
std::span<const ChaosScenario> reject_scenarios();
// FIELD: named failures from the field (issue 5), each on a venue whose deterministic faults
// (probability 1.0) make it happen every run: fill_replayed_after_restart, fill_before_ack,
// fill_after_cancel_ack, overfill_reported, filled_below_quantity, submit_answer_lost,
// unknown_venue_position. Not among the seed's ten that `dita chaos` runs by default.
std::span<const ChaosScenario> field_scenarios();

// A built-in, a reject variant or a FIELD scenario by name; nullptr when there is none.
const ChaosScenario* find_scenario(std::string_view name);
// The seed group names a scenario belongs to (ALL, EDGE_CASE, REJECT, FIELD), for listings.
std::vector<std::string> scenario_groups(std::string_view name);

// The seed's _step_to_intent: intent_id "chaos-{seq}-{action lower}", trade_id "chaos-trade-{seq}",
// asset "BTCUSDT". WAIT maps to MARK_PRICE as in the seed (the orchestrator never sends it).
KernelIntent step_to_intent(const ChaosStep& step, int slot_id, int trade_seq, std::int64_t timestamp_ns);
KernelCommandType command_for(ChaosAction action);

// Total delay of a scenario in seconds (what a wall-clock run would sleep).
double total_delay_seconds(const ChaosScenario& scenario);

} // namespace dita::chaos
