// Input logs as JSON lines: writing, the header and end records, reading back with every refusal located.
#include "dita/chaos/input_log.hpp"

#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>

#include "dita/chaos/text_lines.hpp"

namespace dita::chaos {

namespace {

constexpr std::string_view log_format = "dita-input-log";
constexpr int log_version = 1;
constexpr std::size_t log_line_chars_max = 64u << 20;

std::string hex64(std::uint64_t value) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::optional<std::uint64_t> parse_hex64(const std::string& text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    std::uint64_t out = 0;
    for (const char c : text) {
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (digit < 0) return std::nullopt;
        out = (out << 4) | static_cast<std::uint64_t>(digit);
    }
    return out;
}

template <typename T>
Json array_of(const std::vector<T>& items, Json (*convert)(const T&)) {
    Json out = Json::array();
    for (const T& item : items) out.push_back(convert(item));
    return out;
}

// An optional array field; absent reads as empty.
template <typename T>
JsonResult<std::vector<T>> read_array(const JsonObjectReader& r, std::string_view key,
                                      JsonResult<T> (*convert)(const Json&, const std::string&)) {
    std::vector<T> out;
    const Json* items = r.raw(key);
    if (items == nullptr) return out;
    const std::string pointer = r.field_pointer(key);
    if (!items->is_array()) return JsonError{pointer, "expected an array, got " + describe_json(*items)};
    out.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i) {
        auto parsed = convert((*items)[i], pointer + "/" + std::to_string(i));
        if (!parsed.ok()) return parsed.error();
        out.push_back(std::move(parsed).value());
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------
// JSON

Json venue_call_to_json(const VenueCall& call) {
    Json out;
    out["call"] = std::string(to_string(call.kind));
    switch (call.kind) {
    case VenueCallKind::SUBMIT:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["qty"] = decimal_to_json(call.qty);
        out["result"] = call_result_to_json(call.result);
        break;
    case VenueCallKind::CANCEL:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["result"] = call_result_to_json(call.result);
        break;
    case VenueCallKind::DRAIN: out["events"] = array_of(call.events, &event_to_json); break;
    case VenueCallKind::QUERY_ORDER:
        out["asset"] = call.asset;
        out["client_order_id"] = call.client_order_id;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["order"] = call.orders.empty() ? Json(nullptr) : venue_order_to_json(call.orders.front());
        break;
    case VenueCallKind::OPEN_ORDERS:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["orders"] = array_of(call.orders, &venue_order_to_json);
        break;
    case VenueCallKind::POSITIONS:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["positions"] = array_of(call.positions, &venue_position_to_json);
        break;
    case VenueCallKind::VENUE_MOVES:
        out["asset"] = call.asset;
        out["status"] = std::string(to_string(call.query_status));
        out["detail"] = call.query_detail;
        out["events"] = array_of(call.events, &event_to_json);
        break;
    }
    return out;
}

JsonResult<VenueCall> venue_call_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"call", "asset", "client_order_id", "qty", "result", "status", "detail", "events",
                           "order", "orders", "positions"});
    VenueCall call;
    call.kind = r.enumeration("call", VenueCallKind::DRAIN, true);
    call.asset = r.string("asset");
    call.client_order_id = r.string("client_order_id");
    call.qty = r.decimal("qty");
    call.query_status = r.enumeration("status", VenueCallStatus::ACCEPTED);
    call.query_detail = r.string("detail");
    if (!r.ok()) return r.error();
    if (const Json* result = r.raw("result")) {
        auto parsed = call_result_from_json(*result, r.field_pointer("result"));
        if (!parsed.ok()) return parsed.error();
        call.result = std::move(parsed).value();
    } else if (call.kind == VenueCallKind::SUBMIT || call.kind == VenueCallKind::CANCEL) {
        return JsonError{r.field_pointer("result"), "missing field"};
    }
    if (const Json* order = r.raw("order"); order != nullptr && !order->is_null()) {
        auto parsed = venue_order_from_json(*order, r.field_pointer("order"));
        if (!parsed.ok()) return parsed.error();
        call.orders.push_back(std::move(parsed).value());
    }
    auto events = read_array(r, "events", &event_from_json);
    if (!events.ok()) return events.error();
    call.events = std::move(events).value();
    auto orders = read_array(r, "orders", &venue_order_from_json);
    if (!orders.ok()) return orders.error();
    if (r.has("orders")) call.orders = std::move(orders).value();
    auto positions = read_array(r, "positions", &venue_position_from_json);
    if (!positions.ok()) return positions.error();
    call.positions = std::move(positions).value();
    return call;
}

Json logged_input_to_json(const LoggedInput& input) {
    Json out;
    out["record"] = "input";
    out["kind"] = std::string(to_string(input.kind));
    out["at_ns"] = input.at_ns;
    switch (input.kind) {
    case InputKind::INTENT: out["intent"] = intent_to_json(input.intent); break;
    case InputKind::EVENT: out["event"] = event_to_json(input.event); break;
    case InputKind::RECONCILE: out["snapshots"] = array_of(input.snapshots, &snapshot_to_json); break;
    case InputKind::PUMP:
    case InputKind::RESTART: break;
    }
    out["calls"] = array_of(input.calls, &venue_call_to_json);
    return out;
}

JsonResult<LoggedInput> logged_input_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"record", "kind", "at_ns", "intent", "event", "snapshots", "calls"});
    LoggedInput input;
    input.kind = r.enumeration("kind", InputKind::PUMP, true);
    input.at_ns = r.integer("at_ns", 0, true);
    if (!r.ok()) return r.error();
    switch (input.kind) {
    case InputKind::INTENT: {
        const Json* intent = r.raw("intent");
        if (intent == nullptr) return JsonError{r.field_pointer("intent"), "missing field"};
        auto parsed = intent_from_json(*intent, r.field_pointer("intent"));
        if (!parsed.ok()) return parsed.error();
        input.intent = std::move(parsed).value();
        break;
    }
    case InputKind::EVENT: {
        const Json* event = r.raw("event");
        if (event == nullptr) return JsonError{r.field_pointer("event"), "missing field"};
        auto parsed = event_from_json(*event, r.field_pointer("event"));
        if (!parsed.ok()) return parsed.error();
        input.event = std::move(parsed).value();
        break;
    }
    case InputKind::RECONCILE: {
        auto snapshots = read_array(r, "snapshots", &snapshot_from_json);
        if (!snapshots.ok()) return snapshots.error();
        input.snapshots = std::move(snapshots).value();
        break;
    }
    case InputKind::PUMP:
    case InputKind::RESTART: break;
    }
    auto calls = read_array(r, "calls", &venue_call_from_json);
    if (!calls.ok()) return calls.error();
    input.calls = std::move(calls).value();
    return input;
}

void write_input_log(const InputLog& log, std::ostream& out) {
    Json header;
    header["record"] = "header";
    header["format"] = log_format;
    header["version"] = log_version;
    header["scenario"] = log.scenario;
    header["venue"] = log.venue_name;
    header["position_mode"] = std::string(to_string(log.position_mode));
    header["max_slots"] = log.setup.max_slots;
    header["initial_capital"] = decimal_to_json(log.setup.initial_capital);
    header["mode"] = std::string(to_string(log.setup.mode));
    header["trace_transitions"] = log.setup.trace_transitions;
    if (!log.setup.client_order_id_prefix.empty()) header["client_order_id_prefix"] = log.setup.client_order_id_prefix;
    Json limits;
    limits["max_position_size"] = decimal_to_json(log.setup.risk_limits.max_position_size);
    limits["max_notional"] = decimal_to_json(log.setup.risk_limits.max_notional);
    limits["max_leverage"] = decimal_to_json(log.setup.risk_limits.max_leverage);
    header["risk_limits"] = std::move(limits);
    Json instruments = Json::object();
    for (const auto& [asset, spec] : log.instruments) {
        instruments[asset] = spec ? instrument_to_json(*spec) : Json(nullptr);
    }
    header["instruments"] = std::move(instruments);
    out << header.dump() << '\n';
    for (const LoggedInput& input : log.inputs) out << logged_input_to_json(input).dump() << '\n';
    Json end;
    end["record"] = "end";
    end["inputs"] = log.inputs.size();
    end["truncated"] = log.truncated;
    end["state_hash"] = hex64(log.final_state_hash);
    out << end.dump() << '\n';
}

bool looks_like_input_log(std::string_view first_line) {
    if (first_line.size() > log_line_chars_max) return false;
    const auto parsed = parse_json_text(first_line, capture_line_json_limits(log_line_chars_max));
    if (!parsed.ok() || !parsed.value().is_object()) return false;
    const Json& header = parsed.value();
    const auto text_is = [&header](const char* key, std::string_view expected) {
        const auto found = header.find(key);
        return found != header.end() && found->is_string() && found->get_ref<const std::string&>() == expected;
    };
    return text_is("record", "header") && text_is("format", log_format);
}

namespace {

// The header's risk limits, refused as the control plane would refuse them.
std::optional<JsonError> read_risk_limits(const Json& limits, InputLog& log) {
    JsonObjectReader lr(limits, "/risk_limits");
    lr.reject_unknown_keys({"max_position_size", "max_notional", "max_leverage"});
    log.setup.risk_limits.max_position_size = lr.decimal("max_position_size");
    log.setup.risk_limits.max_notional = lr.decimal("max_notional");
    log.setup.risk_limits.max_leverage = lr.decimal("max_leverage", log.setup.risk_limits.max_leverage);
    if (!lr.ok()) return lr.error();
    InMemoryControlPlane probe;
    ControlUpdate update;
    update.max_position_size = log.setup.risk_limits.max_position_size;
    update.max_notional = log.setup.risk_limits.max_notional;
    update.max_leverage = log.setup.risk_limits.max_leverage;
    const ControlResult accepted = probe.update(update);
    if (!accepted.accepted) return JsonError{"/risk_limits", accepted.detail};
    return std::nullopt;
}

// The header's instruments: asset -> spec, null for an asset the venue did not know.
std::optional<JsonError> read_instruments(const Json& instruments, InputLog& log) {
    if (!instruments.is_object()) return JsonError{"/instruments", "expected an object, got " + describe_json(instruments)};
    for (const auto& [asset, spec] : instruments.items()) {
        if (spec.is_null()) {
            log.instruments[asset] = std::nullopt;
            continue;
        }
        auto parsed = instrument_from_json(spec, "/instruments/" + json_pointer_token(asset));
        if (!parsed.ok()) return parsed.error();
        log.instruments[asset] = std::move(parsed).value();
    }
    return std::nullopt;
}

// The header record: format, version, the kernel's setup, risk limits and instruments.
std::optional<JsonError> read_header_record(JsonObjectReader& r, InputLog& log) {
    r.reject_unknown_keys({"record", "format", "version", "scenario", "venue", "max_slots", "initial_capital",
                           "mode", "trace_transitions", "risk_limits", "instruments", "position_mode",
                           "client_order_id_prefix"});
    const std::string format = r.string("format", {}, true);
    const std::int64_t version = r.integer("version", 0, true);
    log.scenario = r.string("scenario");
    log.venue_name = r.string("venue");
    // Logs written before the venue said its mode came from one-way venues.
    log.position_mode = r.enumeration("position_mode", PositionMode::ONE_WAY);
    log.setup.max_slots = static_cast<int>(r.integer("max_slots", 2, true, 1, KernelConfig{}.slots_max));
    log.setup.initial_capital = r.decimal("initial_capital", {}, true);
    log.setup.mode = r.enumeration("mode", KernelMode::DEBUG);
    log.setup.trace_transitions = r.boolean("trace_transitions", true);
    log.setup.client_order_id_prefix = r.string("client_order_id_prefix");
    if (!r.ok()) return r.error();
    if (!valid_client_order_id_prefix(log.setup.client_order_id_prefix)) {
        return JsonError{"/client_order_id_prefix", "must be at most 20 characters of [a-z0-9.]"};
    }
    if (format != log_format) {
        return JsonError{"/format", "expected \"" + std::string(log_format) + "\", got \"" + format + "\""};
    }
    if (version != log_version) return JsonError{"/version", "unsupported version " + std::to_string(version)};
    if (log.setup.initial_capital.is_negative()) return JsonError{"/initial_capital", "must not be negative"};
    if (const Json* limits = r.raw("risk_limits")) {
        if (auto problem = read_risk_limits(*limits, log)) return problem;
    }
    if (const Json* instruments = r.raw("instruments")) {
        if (auto problem = read_instruments(*instruments, log)) return problem;
    }
    return std::nullopt;
}

// The end record: it counts the inputs and carries the recorded final state hash.
std::optional<JsonError> read_end_record(JsonObjectReader& r, InputLog& log) {
    r.reject_unknown_keys({"record", "inputs", "truncated", "state_hash"});
    const std::uint64_t inputs = r.unsigned_integer("inputs", 0, true);
    log.truncated = r.boolean("truncated");
    const std::string hash = r.string("state_hash", {}, true);
    if (!r.ok()) return r.error();
    if (inputs != log.inputs.size()) {
        return JsonError{"/inputs", "the end record counts " + std::to_string(inputs) + " inputs, the file has " +
                                        std::to_string(log.inputs.size())};
    }
    const auto parsed = parse_hex64(hash);
    if (!parsed) return JsonError{"/state_hash", "expected 16 lower-case hex digits, got \"" + hash + "\""};
    log.final_state_hash = *parsed;
    return std::nullopt;
}

} // namespace

Result<InputLog> read_input_log(std::istream& in, const std::string& source) {
    InputLog log;
    std::string line;
    std::size_t line_number = 0;
    bool have_header = false;
    bool have_end = false;
    const auto error = [&](std::string place, std::string reason) {
        return Error{source, "line " + std::to_string(line_number) + (place.empty() ? "" : ": " + place),
                     std::move(reason)};
    };
    const auto located = [&](const JsonError& problem) { return error(problem.pointer, problem.reason); };
    for (BoundedLine next = read_bounded_line(in, log_line_chars_max); next.status != LineStatus::END;
         next = read_bounded_line(in, log_line_chars_max)) {
        ++line_number;
        if (next.status == LineStatus::TOO_LONG) {
            return error("", "line longer than " + std::to_string(log_line_chars_max) + " bytes");
        }
        line = std::move(next.text);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (have_end) return error("", "text after the end record");
        auto document = parse_json_text(line, capture_line_json_limits(log_line_chars_max));
        if (!document.ok()) {
            const JsonTextError& problem = document.error();
            if (!problem.pointer.empty()) return error(problem.pointer, problem.reason);
            return error("", "not valid JSON at column " + std::to_string(problem.offset + 1) + ": " + problem.reason);
        }
        const Json json = std::move(document).value();
        JsonObjectReader r(json, "");
        const std::string record = r.string("record", {}, true);
        if (!r.ok()) return located(r.error());
        if (!have_header) {
            if (record != "header") return error("/record", "the first record must be the header, got '" + record + "'");
            if (auto problem = read_header_record(r, log)) return located(*problem);
            have_header = true;
        } else if (record == "input") {
            if (log.inputs.size() >= InputLog::inputs_max) return error("", "more than " + std::to_string(InputLog::inputs_max) + " inputs");
            auto input = logged_input_from_json(json, "");
            if (!input.ok()) return located(input.error());
            log.inputs.push_back(std::move(input).value());
        } else if (record == "end") {
            if (auto problem = read_end_record(r, log)) return located(*problem);
            have_end = true;
        } else {
            return error("/record", "unknown record '" + record + "' (expected input or end)");
        }
    }
    if (!have_header) return Error{source, "", "empty file: no input-log header"};
    if (!have_end) return Error{source, "line " + std::to_string(line_number), "no end record (the file is cut short)"};
    return log;
}

std::optional<Error> save_input_log(const InputLog& log, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Error{path, "", "cannot open for writing"};
    write_input_log(log, out);
    out.flush();
    if (!out) return Error{path, "", "write failed"};
    return std::nullopt;
}

Result<InputLog> load_input_log(const std::string& path) {
    if (exists_but_not_regular_file(path)) return Error{path, "", "not a regular file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, "", "cannot open for reading"};
    return read_input_log(in, path);
}

} // namespace dita::chaos
