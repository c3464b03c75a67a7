#include "dita/chaos/scenario_io.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace dita::chaos {

namespace {

constexpr std::size_t legs_max = 64;
constexpr std::size_t metadata_entries_max = 64;
constexpr std::size_t text_chars_max = 1000;
constexpr std::size_t assets_max = 16;
constexpr double decimal_unit = 1e-8; // the kernel's and the mock's fixed-point resolution
constexpr double venue_quantity_max = 1e6;
constexpr std::int64_t venue_delay_ns_max = 86'400'000'000'000; // a day
constexpr std::int64_t funding_interval_ns_max = 30 * 86'400'000'000'000; // a month
constexpr std::int64_t retained_orders_max = 1'000'000;
constexpr std::size_t pointer_chars_max = 200; // of a JSON pointer quoted in a refusal

// "/scenarios/1/steps/2/target_size" -> "scenario 'x', step 2, field target_size".
std::string describe_place(const std::string& pointer, const std::string& scenario_name) {
    std::vector<std::string> tokens;
    std::string token;
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            tokens.push_back(token);
            token.clear();
        } else {
            token += pointer[i];
        }
    }
    std::string out;
    // Names and keys come from the file: quoted through bounded_excerpt, so a hostile file cannot
    // make the refusal as long as itself.
    if (!scenario_name.empty()) out = "scenario '" + bounded_excerpt(scenario_name) + "'";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i] == "steps" && i + 1 < tokens.size()) {
            out += (out.empty() ? "" : ", ") + std::string("step ") + tokens[i + 1];
            if (i + 2 < tokens.size()) out += ", field " + bounded_excerpt(tokens[i + 2]);
            break;
        }
        if (tokens[i] == "venue" && i + 1 < tokens.size()) {
            out += (out.empty() ? "" : ", ") + std::string("venue field ") + bounded_excerpt(tokens[i + 1]);
            break;
        }
    }
    std::string place = pointer.empty() ? std::string("(root)") : bounded_excerpt(pointer, pointer_chars_max);
    if (!out.empty()) place += " (" + out + ")";
    return place;
}

bool printable(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    return true;
}

double bounded_number(JsonObjectReader& r, std::string_view key, double fallback, double min, double max,
                      std::string_view what) {
    const double value = r.number(key, fallback);
    if (!r.ok() || !r.has(key)) return value;
    if (!std::isfinite(value) || value < min || value > max) {
        std::ostringstream reason;
        reason << what << ", got " << value;
        r.fail(r.field_pointer(key), reason.str());
        return fallback;
    }
    return value;
}

double finite_number(JsonObjectReader& r, std::string_view key, double fallback) {
    const double value = r.number(key, fallback);
    if (r.ok() && r.has(key) && !std::isfinite(value)) {
        r.fail(r.field_pointer(key), "the number is too large to represent");
        return fallback;
    }
    return value;
}

std::string bounded_text(JsonObjectReader& r, std::string_view key, std::string fallback, bool required) {
    std::string value = r.string(key, std::move(fallback), required);
    if (!r.ok()) return value;
    if (value.size() > text_chars_max) {
        r.fail(r.field_pointer(key), "text of " + std::to_string(value.size()) + " characters, at most " +
                                         std::to_string(text_chars_max));
    }
    return value;
}

JsonResult<VenueSettings> parse_venue(const Json& json, const std::string& pointer) {
    VenueSettings venue;
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"reject_entries", "reject_exits", "partial_fill_ratio", "cancel_reject", "taker_fee_rate",
                           "maker_fee_rate", "lot_step", "tick_size", "min_qty", "assets", "seed",
                           "finished_orders_retained_max", "latency_ns", "duplicate_probability",
                           "reorder_probability", "drop_probability", "delay_probability", "delay_ns_max",
                           "submit_unknown_probability", "cancel_unknown_probability", "random_reject_probability",
                           "random_cancel_reject_probability", "late_fill_on_cancel_probability",
                           "overfill_probability", "short_fill_probability", "random_partial_fills",
                           "initial_foreign_position", "initial_foreign_position_price", "reduce_only_exits",
                           "position_mode", "maintenance_margin_rate", "liquidation_fee_rate", "liquidations", "funding_rate",
                           "funding_interval_ns", "adl_probability", "manual_close_probability"});
    venue.reject_entries = r.boolean("reject_entries", venue.reject_entries);
    venue.reject_exits = r.boolean("reject_exits", venue.reject_exits);
    venue.partial_fill_ratio = bounded_number(r, "partial_fill_ratio", venue.partial_fill_ratio, 0.0, 1.0,
                                              "expected a share from 0 to 1");
    venue.cancel_reject = r.boolean("cancel_reject", venue.cancel_reject);
    venue.taker_fee_rate = bounded_number(r, "taker_fee_rate", venue.taker_fee_rate, 0.0, 1.0, "expected a rate from 0 to 1");
    venue.maker_fee_rate = bounded_number(r, "maker_fee_rate", venue.maker_fee_rate, 0.0, 1.0, "expected a rate from 0 to 1");
    venue.lot_step = bounded_number(r, "lot_step", venue.lot_step, decimal_unit, venue_quantity_max,
                                    "expected a step from 1e-8 to 1e6");
    venue.tick_size = bounded_number(r, "tick_size", venue.tick_size, decimal_unit, venue_quantity_max,
                                     "expected a tick from 1e-8 to 1e6");
    venue.min_qty = bounded_number(r, "min_qty", venue.min_qty, 0.0, venue_quantity_max, "expected a size from 0 to 1e6");
    venue.seed = r.unsigned_integer("seed", venue.seed);
    venue.finished_orders_retained_max = static_cast<std::size_t>(
        r.integer("finished_orders_retained_max", static_cast<std::int64_t>(venue.finished_orders_retained_max), false,
                  1, retained_orders_max));
    venue.latency_ns = r.integer("latency_ns", venue.latency_ns, false, 0, venue_delay_ns_max);
    venue.delay_ns_max = r.integer("delay_ns_max", venue.delay_ns_max, false, 0, venue_delay_ns_max);
    for (const VenueProbabilityField& field : venue_probability_fields) {
        venue.*field.member = bounded_number(r, field.name, venue.*field.member, 0.0, 1.0, "expected a probability from 0 to 1");
    }
    venue.random_partial_fills = r.boolean("random_partial_fills", venue.random_partial_fills);
    venue.initial_foreign_position =
        bounded_number(r, "initial_foreign_position", venue.initial_foreign_position, -venue_quantity_max,
                       venue_quantity_max, "expected a signed size from -1e6 to 1e6");
    venue.initial_foreign_position_price =
        bounded_number(r, "initial_foreign_position_price", venue.initial_foreign_position_price, 0.0,
                       venue_quantity_max, "expected a price from 0 to 1e6");
    venue.reduce_only_exits = r.boolean("reduce_only_exits", venue.reduce_only_exits);
    venue.position_mode = r.enumeration("position_mode", venue.position_mode);
    venue.maintenance_margin_rate = bounded_number(r, "maintenance_margin_rate", venue.maintenance_margin_rate, 0.0,
                                                   0.5, "expected a rate from 0 to 0.5");
    venue.liquidation_fee_rate = bounded_number(r, "liquidation_fee_rate", venue.liquidation_fee_rate, 0.0, 0.5,
                                                "expected a rate from 0 to 0.5");
    venue.liquidations = r.boolean("liquidations", venue.liquidations);
    venue.funding_rate = bounded_number(r, "funding_rate", venue.funding_rate, -0.5, 0.5,
                                        "expected a rate from -0.5 to 0.5");
    venue.funding_interval_ns = r.integer("funding_interval_ns", venue.funding_interval_ns, false, 0,
                                          funding_interval_ns_max);
    if (const Json* assets = r.raw("assets"); assets != nullptr && r.ok()) {
        const std::string at = r.field_pointer("assets");
        if (!assets->is_array() || assets->empty() || assets->size() > assets_max) {
            r.fail(at, "expected an array of 1 to " + std::to_string(assets_max) + " asset names, got " +
                           describe_json(*assets));
        } else {
            venue.assets.clear();
            for (std::size_t i = 0; i < assets->size(); ++i) {
                const Json& asset = (*assets)[i];
                if (!asset.is_string() || asset.get_ref<const std::string&>().empty() ||
                    !AssetName::fits(asset.get_ref<const std::string&>()) || !printable(asset.get_ref<const std::string&>())) {
                    r.fail(at + "/" + std::to_string(i), "expected an asset name of 1 to " +
                                                             std::to_string(AssetName::capacity) +
                                                             " printable characters, got " + describe_json(asset));
                    break;
                }
                venue.assets.push_back(asset.get<std::string>());
            }
        }
    }
    if (!r.ok()) return r.error();
    return venue;
}

JsonResult<ChaosStep> parse_step(const Json& json, const std::string& pointer) {
    ChaosStep step;
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"action", "delay_before", "side", "target_size", "reference_price", "leverage",
                           "exit_leg_ratios", "reason", "metadata", "slot_id"});
    step.action = r.enumeration("action", ChaosAction::ENTER, true);
    step.delay_before = bounded_number(r, "delay_before", step.delay_before, 0.0, step_delay_seconds_max,
                                       "expected seconds from 0 to 86400");
    step.side = r.enumeration("side", step.side);
    // Sizes, prices and leverage are not range-checked: adversarial values (zero, negative)
    // are what chaos scenarios send; the kernel must refuse them itself.
    step.target_size = finite_number(r, "target_size", step.target_size);
    step.reference_price = finite_number(r, "reference_price", step.reference_price);
    step.leverage = finite_number(r, "leverage", step.leverage);
    step.reason = bounded_text(r, "reason", step.reason, false);
    if (r.raw("slot_id") != nullptr) {
        step.slot_id = static_cast<int>(r.integer("slot_id", 0, false, 0, scenario_slots - 1));
    }
    if (const Json* legs = r.raw("exit_leg_ratios"); legs != nullptr && r.ok()) {
        const std::string at = r.field_pointer("exit_leg_ratios");
        if (!legs->is_array() || legs->size() > legs_max) {
            r.fail(at, "expected an array of at most " + std::to_string(legs_max) + " numbers, got " + describe_json(*legs));
        } else {
            step.exit_leg_ratios.clear();
            for (std::size_t i = 0; i < legs->size(); ++i) {
                const Json& leg = (*legs)[i];
                if (!leg.is_number() || !std::isfinite(leg.get<double>())) {
                    r.fail(at + "/" + std::to_string(i), "expected a number, got " + describe_json(leg));
                    break;
                }
                step.exit_leg_ratios.push_back(leg.get<double>());
            }
        }
    }
    if (const Json* metadata = r.raw("metadata"); metadata != nullptr && r.ok()) {
        const std::string at = r.field_pointer("metadata");
        if (!metadata->is_object() || metadata->size() > metadata_entries_max) {
            r.fail(at, "expected an object of at most " + std::to_string(metadata_entries_max) + " entries, got " +
                           describe_json(*metadata));
        } else {
            for (const auto& [key, value] : metadata->items()) {
                // Intent metadata is a string map: scalars keep their JSON spelling.
                if (value.is_string()) {
                    step.metadata[key] = value.get<std::string>();
                } else if (value.is_number() || value.is_boolean() || value.is_null()) {
                    step.metadata[key] = value.dump();
                } else {
                    r.fail(at + "/" + json_pointer_token(key),
                           "expected a string, number, boolean or null, got " + describe_json(value));
                    break;
                }
            }
        }
    }
    if (!r.ok()) return r.error();
    return step;
}

Result<ChaosScenario> parse_scenario(const Json& json, const std::string& pointer, const std::string& source) {
    ChaosScenario scenario;
    JsonObjectReader r(json, pointer);
    // "$schema" names scenarios/schema.json so editors validate the file; dita reads nothing from it.
    r.reject_unknown_keys({"$schema", "name", "description", "venue", "slot_id", "at_rest", "steps"});
    (void)bounded_text(r, "$schema", {}, false);
    scenario.name = r.string("name", {}, true);
    if (r.ok()) {
        if (scenario.name.empty() || scenario.name.size() > scenario_name_chars_max || !printable(scenario.name)) {
            r.fail(r.field_pointer("name"), "expected a name of 1 to " + std::to_string(scenario_name_chars_max) +
                                                " printable characters");
        }
    }
    scenario.description = bounded_text(r, "description", {}, false);
    scenario.slot_id = static_cast<int>(r.integer("slot_id", 0, false, 0, scenario_slots - 1));
    scenario.at_rest = r.boolean("at_rest", false);
    if (const Json* venue = r.raw("venue"); venue != nullptr && r.ok()) {
        auto parsed = parse_venue(*venue, r.field_pointer("venue"));
        if (parsed.ok()) {
            scenario.venue = std::move(parsed).value();
        } else {
            r.fail(parsed.error().pointer, parsed.error().reason);
        }
    }
    if (r.ok()) {
        const Json* steps = r.raw("steps");
        const std::string at = r.field_pointer("steps");
        if (steps == nullptr) {
            r.fail(at, "missing field");
        } else if (!steps->is_array() || steps->empty() || steps->size() > scenario_steps_max) {
            r.fail(at, "expected an array of 1 to " + std::to_string(scenario_steps_max) + " steps, got " +
                           describe_json(*steps));
        } else {
            scenario.steps.reserve(steps->size());
            for (std::size_t i = 0; i < steps->size(); ++i) {
                auto step = parse_step((*steps)[i], at + "/" + std::to_string(i));
                if (!step.ok()) {
                    r.fail(step.error().pointer, step.error().reason);
                    break;
                }
                scenario.steps.push_back(std::move(step).value());
            }
        }
    }
    if (!r.ok()) return Error{source, describe_place(r.error().pointer, scenario.name), r.error().reason};
    return scenario;
}

} // namespace

Result<std::vector<ChaosScenario>> parse_scenarios(std::string_view text, const std::string& source) {
    if (text.size() > scenario_file_bytes_max) {
        return Error{source, "", "file of " + std::to_string(text.size()) + " bytes, at most " +
                                     std::to_string(scenario_file_bytes_max)};
    }
    auto parsed = parse_json_text(text, scenario_file_json_limits);
    if (!parsed.ok()) {
        const JsonTextError& error = parsed.error();
        return Error{source, error.pointer.empty() ? json_text_line_column(text, error.offset) : error.pointer,
                     error.reason};
    }
    const Json document = std::move(parsed).value();
    std::vector<ChaosScenario> out;
    if (document.is_object() && document.contains("scenarios")) {
        JsonObjectReader wrapper(document, "");
        wrapper.reject_unknown_keys({"$schema", "scenarios"});
        (void)bounded_text(wrapper, "$schema", {}, false);
        if (!wrapper.ok()) return Error{source, describe_place(wrapper.error().pointer, ""), wrapper.error().reason};
        const Json& list = document["scenarios"];
        if (!list.is_array() || list.empty() || list.size() > scenarios_per_file_max) {
            return Error{source, "/scenarios", "expected an array of 1 to " + std::to_string(scenarios_per_file_max) +
                                                   " scenarios, got " + describe_json(list)};
        }
        out.reserve(list.size());
        std::size_t steps = 0;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto scenario = parse_scenario(list[i], "/scenarios/" + std::to_string(i), source);
            if (!scenario.ok()) return scenario.error();
            steps += scenario.value().steps.size();
            if (steps > scenario_file_steps_max) {
                return Error{source, "/scenarios/" + std::to_string(i) + "/steps",
                             "more than " + std::to_string(scenario_file_steps_max) + " steps in the file"};
            }
            out.push_back(std::move(scenario).value());
        }
    } else if (document.is_object()) {
        auto scenario = parse_scenario(document, "", source);
        if (!scenario.ok()) return scenario.error();
        out.push_back(std::move(scenario).value());
    } else {
        return Error{source, "(root)", "expected a scenario object or {\"scenarios\": [...]}, got " + describe_json(document)};
    }
    std::map<std::string, std::size_t> first_at;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto [found, inserted] = first_at.emplace(out[i].name, i);
        if (!inserted) {
            return Error{source, "/scenarios/" + std::to_string(i) + "/name",
                         "duplicate scenario name '" + out[i].name + "' (also /scenarios/" +
                             std::to_string(found->second) + ")"};
        }
    }
    return out;
}

Result<std::vector<ChaosScenario>> load_scenario_file(const std::string& path) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(path, status_error)) {
        return Error{path, "", std::filesystem::exists(path, status_error) ? "not a regular file" : "cannot open the file"};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "", "cannot open the file"};
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) return Error{path, "", "cannot read the file (not a regular file?)"};
    if (static_cast<std::size_t>(size) > scenario_file_bytes_max) {
        return Error{path, "", "file of " + std::to_string(size) + " bytes, at most " +
                                   std::to_string(scenario_file_bytes_max)};
    }
    in.seekg(0, std::ios::beg);
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), size);
    if (!in) return Error{path, "", "cannot read the file"};
    return parse_scenarios(text, path);
}

Json venue_settings_to_json(const VenueSettings& venue, bool only_changes) {
    const VenueSettings defaults;
    Json out = Json::object();
    const auto put = [&](const char* key, const auto& value, const auto& fallback) {
        if (!only_changes || !(value == fallback)) out[key] = value;
    };
    put("reject_entries", venue.reject_entries, defaults.reject_entries);
    put("reject_exits", venue.reject_exits, defaults.reject_exits);
    put("partial_fill_ratio", venue.partial_fill_ratio, defaults.partial_fill_ratio);
    put("cancel_reject", venue.cancel_reject, defaults.cancel_reject);
    put("taker_fee_rate", venue.taker_fee_rate, defaults.taker_fee_rate);
    put("maker_fee_rate", venue.maker_fee_rate, defaults.maker_fee_rate);
    put("lot_step", venue.lot_step, defaults.lot_step);
    put("tick_size", venue.tick_size, defaults.tick_size);
    put("min_qty", venue.min_qty, defaults.min_qty);
    put("assets", venue.assets, defaults.assets);
    put("seed", venue.seed, defaults.seed);
    put("finished_orders_retained_max", venue.finished_orders_retained_max, defaults.finished_orders_retained_max);
    put("latency_ns", venue.latency_ns, defaults.latency_ns);
    for (const VenueProbabilityField& field : venue_probability_fields) {
        put(field.name, venue.*field.member, defaults.*field.member);
        if (std::string_view(field.name) == "delay_probability") put("delay_ns_max", venue.delay_ns_max, defaults.delay_ns_max);
    }
    put("random_partial_fills", venue.random_partial_fills, defaults.random_partial_fills);
    put("initial_foreign_position", venue.initial_foreign_position, defaults.initial_foreign_position);
    put("initial_foreign_position_price", venue.initial_foreign_position_price, defaults.initial_foreign_position_price);
    put("reduce_only_exits", venue.reduce_only_exits, defaults.reduce_only_exits);
    if (!only_changes || venue.position_mode != defaults.position_mode) {
        out["position_mode"] = std::string(to_string(venue.position_mode));
    }
    put("maintenance_margin_rate", venue.maintenance_margin_rate, defaults.maintenance_margin_rate);
    put("liquidation_fee_rate", venue.liquidation_fee_rate, defaults.liquidation_fee_rate);
    put("liquidations", venue.liquidations, defaults.liquidations);
    put("funding_rate", venue.funding_rate, defaults.funding_rate);
    put("funding_interval_ns", venue.funding_interval_ns, defaults.funding_interval_ns);
    return out;
}

Json scenario_to_json(const ChaosScenario& scenario) {
    const ChaosStep defaults;
    Json steps = Json::array();
    for (const ChaosStep& step : scenario.steps) {
        Json one;
        one["action"] = std::string(to_string(step.action));
        one["delay_before"] = step.delay_before;
        if (step.side != defaults.side) one["side"] = std::string(to_string(step.side));
        if (step.target_size != defaults.target_size) one["target_size"] = step.target_size;
        if (step.reference_price != defaults.reference_price) one["reference_price"] = step.reference_price;
        if (step.leverage != defaults.leverage) one["leverage"] = step.leverage;
        if (step.exit_leg_ratios != defaults.exit_leg_ratios) one["exit_leg_ratios"] = step.exit_leg_ratios;
        if (step.reason != defaults.reason) one["reason"] = step.reason;
        if (step.slot_id) one["slot_id"] = *step.slot_id;
        if (!step.metadata.empty()) {
            Json metadata = Json::object();
            for (const auto& [key, value] : step.metadata) metadata[key] = value;
            one["metadata"] = std::move(metadata);
        }
        steps.push_back(std::move(one));
    }
    Json out;
    out["name"] = scenario.name;
    out["description"] = scenario.description;
    Json venue = venue_settings_to_json(scenario.venue, true);
    if (!venue.empty()) out["venue"] = std::move(venue);
    out["slot_id"] = scenario.slot_id;
    if (scenario.at_rest) out["at_rest"] = true;
    out["steps"] = std::move(steps);
    return out;
}

Json scenarios_to_json(const std::vector<ChaosScenario>& scenarios) {
    Json list = Json::array();
    for (const ChaosScenario& scenario : scenarios) list.push_back(scenario_to_json(scenario));
    Json out;
    out["scenarios"] = std::move(list);
    return out;
}

} // namespace dita::chaos
