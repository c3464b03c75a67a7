#pragma once
// Scenario files (SPEC section 6): one scenario per file, or a list under "scenarios".
//   {"name": str, "description": str, "venue": {MockVenueScenario fields}, "slot_id": int,
//    "steps": [{"action": "ENTER|EXIT|CANCEL|MARK_PRICE|RECONCILE|WAIT", "delay_before": float,
//               "side": "LONG|SHORT", "target_size": float, "reference_price": float,
//               "leverage": float, "exit_leg_ratios": [float], "reason": str, "metadata": {}, "slot_id": int}]}
// A step's slot_id (an extension) overrides the scenario's for that step. Action RESTART (an
// extension) crashes the kernel and rebuilds it from its journal.
// Missing step fields take the ChaosStep defaults. Unknown fields are refused (a typo must not
// silently become a default). Errors name the file, the place (JSON pointer, and the step and
// field) and the reason.
#include <string>
#include <string_view>
#include <vector>

#include "dita/chaos/result.hpp"
#include "dita/chaos/scenario.hpp"
#include "dita/contracts/json.hpp"

namespace dita::chaos {

inline constexpr std::size_t scenario_file_bytes_max = 16u << 20;
inline constexpr std::size_t scenarios_per_file_max = 10'000;
// A scenario file nests five levels ({"scenarios": [{"steps": [{"metadata": {}}]}]}) and its
// largest object is a venue (about 30 fields) or a step's metadata (64 entries). The value
// count bounds the memory a file can take (tens of bytes per value as parsed, a few hundred
// per step as a ChaosStep), proportional to the bytes.
inline constexpr std::size_t scenario_file_values_max = 1'000'000;
inline constexpr std::size_t scenario_file_steps_max = 250'000; // all scenarios of a file together
inline constexpr JsonTextLimits scenario_file_json_limits{scenario_file_bytes_max, 16, scenario_file_values_max, 256};

Result<std::vector<ChaosScenario>> parse_scenarios(std::string_view text, const std::string& source);
Result<std::vector<ChaosScenario>> load_scenario_file(const std::string& path);

// The file form: steps list action and delay_before, then only the fields that differ from
// the ChaosStep defaults; venue lists only the fields that differ from the defaults.
Json scenario_to_json(const ChaosScenario& scenario);
Json scenarios_to_json(const std::vector<ChaosScenario>& scenarios);
Json venue_settings_to_json(const VenueSettings& venue, bool only_changes);

} // namespace dita::chaos
