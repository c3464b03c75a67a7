#include "dita/contracts/json.hpp"

#include <cmath>
#include <limits>
#include <set>

namespace dita {

namespace {

constexpr std::size_t describe_chars_max = 40;

Json optional_id(const Id& id) { return id.empty() ? Json(nullptr) : Json(id.str()); }

// A number, or one of the strings JSON needs for the doubles it cannot spell.
std::optional<double> any_double_of(const Json& value) {
    if (value.is_number()) return value.get<double>();
    if (!value.is_string()) return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    return std::nullopt;
}

template <typename T>
JsonResult<T> finish(const JsonObjectReader& reader, T value) {
    if (!reader.ok()) return reader.error();
    return value;
}

constexpr std::size_t reason_chars_max = 200;

// Tracks where the parser is, so a duplicate key can be named by its pointer. Bounded by the
// depth limit the text passed before parsing.
class DuplicateKeyFinder {
public:
    bool on_event(Json::parse_event_t event, const Json& parsed) {
        using Event = Json::parse_event_t;
        switch (event) {
        case Event::object_start: frames_.push_back(Frame{true, {}, {}, 0}); break;
        case Event::array_start: frames_.push_back(Frame{false, {}, {}, 0}); break;
        case Event::key: {
            Frame& top = frames_.back();
            top.key = parsed.get<std::string>();
            if (!top.keys.insert(top.key).second && !duplicate_) duplicate_ = pointer();
            break;
        }
        case Event::object_end:
        case Event::array_end:
            if (!frames_.empty()) frames_.pop_back();
            count_element();
            break;
        case Event::value: count_element(); break;
        }
        return true;
    }
    const std::optional<std::string>& duplicate() const { return duplicate_; }

private:
    struct Frame {
        bool object = false;
        std::string key;
        std::set<std::string> keys;
        std::size_t index = 0;
    };
    void count_element() {
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    }
    std::string pointer() const {
        std::string out;
        for (const Frame& frame : frames_) {
            out += "/" + (frame.object ? json_pointer_token(frame.key) : std::to_string(frame.index));
        }
        return out;
    }
    std::vector<Frame> frames_;
    std::optional<std::string> duplicate_;
};

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
// ..." without its prefix, cut to a bounded length (it quotes the last token read).
std::string parser_reason(const std::string& what) {
    std::string reason = what;
    if (const auto column = what.find("column "); column != std::string::npos) {
        if (const auto colon = what.find(": ", column); colon != std::string::npos) reason = what.substr(colon + 2);
    } else if (const auto bracket = what.find("] "); bracket != std::string::npos) {
        reason = what.substr(bracket + 2);
    }
    return bounded_excerpt(reason, reason_chars_max);
}

} // namespace

Result<Json, JsonTextError> parse_json_text(std::string_view text, const JsonTextLimits& limits) {
    if (auto problem = scan_json_text(text, limits)) return JsonTextError{problem->offset, {}, std::move(problem->reason)};
    DuplicateKeyFinder finder;
    const Json::parser_callback_t callback = [&finder](int, Json::parse_event_t event, Json& parsed) {
        return finder.on_event(event, parsed);
    };
    Json document;
    try {
        document = Json::parse(text.begin(), text.end(), callback, true, false);
    } catch (const Json::parse_error& error) {
        // nlohmann reports syntax errors only by exception; here they become values.
        return JsonTextError{error.byte > 0 ? error.byte - 1 : 0, {}, "invalid JSON: " + parser_reason(error.what())};
    } catch (const Json::exception& error) {
        // A number no double can hold (out_of_range): the message quotes it, which locates it.
        const std::string what = error.what();
        std::size_t offset = 0;
        const auto open = what.find('\'');
        const auto close = what.rfind('\'');
        if (open != std::string::npos && close > open) {
            const auto at = text.find(std::string_view(what).substr(open + 1, close - open - 1));
            if (at != std::string_view::npos) offset = at;
        }
        return JsonTextError{offset, {}, "invalid JSON: " + parser_reason(what)};
    }
    if (finder.duplicate()) {
        return JsonTextError{0, bounded_excerpt(*finder.duplicate(), reason_chars_max),
                             "duplicate key (a JSON object names each key once)"};
    }
    return document;
}

std::string json_pointer_token(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string describe_json(const Json& value) {
    std::string rendered = value.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
    if (rendered.size() > describe_chars_max) rendered = rendered.substr(0, describe_chars_max) + "...";
    return std::string(value.type_name()) + " " + rendered;
}

JsonObjectReader::JsonObjectReader(const Json& object, std::string pointer)
    : object_(object), pointer_(std::move(pointer)) {
    if (!object_.is_object()) fail(pointer_, "expected an object, got " + describe_json(object_));
}

bool JsonObjectReader::has(std::string_view key) const { return raw(key) != nullptr; }

const Json* JsonObjectReader::raw(std::string_view key) const {
    if (!object_.is_object()) return nullptr;
    const auto found = object_.find(key);
    return found == object_.end() ? nullptr : &*found;
}

void JsonObjectReader::fail(std::string pointer, std::string reason) {
    // Pointers and reasons may quote hostile keys and values: messages stay bounded.
    if (!error_) error_ = JsonError{bounded_excerpt(pointer, 300), bounded_excerpt(reason, 500)};
}

std::string JsonObjectReader::string(std::string_view key, std::string fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_string()) {
        fail(field_pointer(key), "expected a string, got " + describe_json(*value));
        return fallback;
    }
    return value->get<std::string>();
}

double JsonObjectReader::number(std::string_view key, double fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_number()) {
        fail(field_pointer(key), "expected a number, got " + describe_json(*value));
        return fallback;
    }
    return value->get<double>();
}

double JsonObjectReader::any_double(std::string_view key, double fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    const auto parsed = any_double_of(*value);
    if (!parsed) {
        fail(field_pointer(key), "expected a number, \"NaN\", \"inf\" or \"-inf\", got " + describe_json(*value));
        return fallback;
    }
    return *parsed;
}

std::int64_t JsonObjectReader::integer(std::string_view key, std::int64_t fallback, bool required, std::int64_t min,
                                       std::int64_t max) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_number_integer()) {
        fail(field_pointer(key), "expected an integer, got " + describe_json(*value));
        return fallback;
    }
    if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        fail(field_pointer(key), "integer out of range, got " + describe_json(*value));
        return fallback;
    }
    const auto parsed = value->get<std::int64_t>();
    if (parsed < min || parsed > max) {
        fail(field_pointer(key), "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                                     ", got " + std::to_string(parsed));
        return fallback;
    }
    return parsed;
}

std::uint64_t JsonObjectReader::unsigned_integer(std::string_view key, std::uint64_t fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_number_unsigned()) {
        fail(field_pointer(key), "expected a non-negative integer, got " + describe_json(*value));
        return fallback;
    }
    return value->get<std::uint64_t>();
}

bool JsonObjectReader::boolean(std::string_view key, bool fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_boolean()) {
        fail(field_pointer(key), "expected true or false, got " + describe_json(*value));
        return fallback;
    }
    return value->get<bool>();
}

Decimal JsonObjectReader::decimal(std::string_view key, Decimal fallback, bool required) {
    const Json* value = raw(key);
    if (value == nullptr) {
        if (required) fail(field_pointer(key), "missing field");
        return fallback;
    }
    if (!value->is_string()) {
        fail(field_pointer(key), "expected an exact decimal string such as \"0.01\", got " + describe_json(*value));
        return fallback;
    }
    const auto parsed = Decimal::parse(value->get_ref<const std::string&>());
    if (!parsed) {
        fail(field_pointer(key), "not an exact decimal with at most " + std::to_string(Decimal::decimals) +
                                     " fractional digits: " + describe_json(*value));
        return fallback;
    }
    return *parsed;
}

void JsonObjectReader::reject_unknown_keys(std::initializer_list<std::string_view> known) {
    if (!object_.is_object()) return;
    for (const auto& [key, value] : object_.items()) {
        bool listed = false;
        for (const std::string_view name : known) listed = listed || name == key;
        if (!listed) {
            std::string choices;
            for (const std::string_view name : known) {
                if (!choices.empty()) choices += ", ";
                choices += name;
            }
            fail(field_pointer(key), "unknown field (known: " + choices + ")");
            return;
        }
    }
}

Json decimal_to_json(Decimal value) { return value.to_string(); }

Json double_to_json(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    return value;
}

// ---------------------------------------------------------------------------------------
// SPEC 6 dicts

Json slot_to_dict(const TradeSlot& slot) {
    Json legs = Json::array();
    for (std::size_t i = 0; i < slot.exit_legs.count; ++i) legs.push_back(slot.exit_legs[i].to_double());
    Json out;
    out["fsm_state"] = std::string(to_string(slot.fsm_state));
    out["trade_id"] = optional_id(slot.trade_id);
    out["side"] = std::string(to_string(slot.side));
    out["size"] = slot.size.to_double();
    out["target_size"] = slot.target_size.to_double();
    out["entry_price"] = slot.entry_price.to_double();
    out["realized_pnl"] = slot.realized_pnl.to_double();
    out["fees"] = slot.fees.to_double();
    out["closed"] = slot.closed;
    out["active_leg_index"] = slot.active_leg_index;
    out["exit_leg_ratios"] = std::move(legs);
    out["working_order_id"] = optional_id(slot.working_order_id);
    return out;
}

// Every field, funding included, so the money identity can be checked from the JSON alone.
Json account_to_dict(const AccountSnapshot& account) {
    Json out;
#define DITA_DICT_WRITE(member, key, required, hashed) out[#key] = account.member.to_double();
    DITA_ACCOUNT_SNAPSHOT_FIELDS(DITA_DICT_WRITE)
#undef DITA_DICT_WRITE
    return out;
}

// ---------------------------------------------------------------------------------------
// Venue events

// ---------------------------------------------------------------------------------------
// Intents

Json intent_to_json(const KernelIntent& intent) {
    Json legs = Json::array();
    for (const double ratio : intent.exit_leg_ratios) legs.push_back(double_to_json(ratio));
    Json metadata = Json::object();
    for (const auto& [key, value] : intent.metadata) metadata[key] = value;
    Json out;
    out["timestamp_ns"] = intent.timestamp_ns;
    out["intent_id"] = intent.intent_id;
    out["trade_id"] = intent.trade_id;
    out["slot_id"] = intent.slot_id;
    out["asset"] = intent.asset;
    out["side"] = std::string(to_string(intent.side));
    out["action"] = std::string(to_string(intent.action));
    out["reference_price"] = double_to_json(intent.reference_price);
    out["target_size"] = double_to_json(intent.target_size);
    out["leverage"] = double_to_json(intent.leverage);
    out["exit_leg_ratios"] = std::move(legs);
    out["reason"] = intent.reason;
    out["metadata"] = std::move(metadata);
    return out;
}

JsonResult<KernelIntent> intent_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"timestamp_ns", "intent_id", "trade_id", "slot_id", "asset", "side", "action",
                           "reference_price", "target_size", "leverage", "exit_leg_ratios", "reason", "metadata"});
    KernelIntent intent;
    intent.timestamp_ns = r.integer("timestamp_ns");
    intent.intent_id = r.string("intent_id");
    intent.trade_id = r.string("trade_id");
    intent.slot_id = static_cast<int>(r.integer("slot_id", 0, false, INT32_MIN, INT32_MAX));
    intent.asset = r.string("asset", intent.asset);
    intent.side = r.enumeration("side", TradeSide::LONG);
    intent.action = r.enumeration("action", KernelCommandType::ENTER, true);
    intent.reference_price = r.any_double("reference_price");
    intent.target_size = r.any_double("target_size");
    intent.leverage = r.any_double("leverage", 1.0);
    intent.reason = r.string("reason");
    if (const Json* legs = r.raw("exit_leg_ratios")) {
        intent.exit_leg_ratios.clear();
        if (!legs->is_array()) {
            r.fail(r.field_pointer("exit_leg_ratios"), "expected an array of numbers, got " + describe_json(*legs));
        } else {
            for (std::size_t i = 0; i < legs->size(); ++i) {
                const auto value = any_double_of((*legs)[i]);
                if (!value) {
                    r.fail(r.field_pointer("exit_leg_ratios") + "/" + std::to_string(i),
                           "expected a number, got " + describe_json((*legs)[i]));
                    break;
                }
                intent.exit_leg_ratios.push_back(*value);
            }
        }
    }
    if (const Json* metadata = r.raw("metadata")) {
        if (!metadata->is_object()) {
            r.fail(r.field_pointer("metadata"), "expected an object of strings, got " + describe_json(*metadata));
        } else {
            for (const auto& [key, value] : metadata->items()) {
                if (!value.is_string()) {
                    r.fail(r.field_pointer("metadata") + "/" + json_pointer_token(key),
                           "expected a string, got " + describe_json(value));
                    break;
                }
                intent.metadata[key] = value.get<std::string>();
            }
        }
    }
    return finish(r, intent);
}

// ---------------------------------------------------------------------------------------
// Orders, slots, snapshots

Json json_field(const ExitLegs& legs) {
    Json out = Json::array();
    for (std::size_t i = 0; i < legs.count; ++i) out.push_back(decimal_to_json(legs[i]));
    return out;
}

void read_json_field(JsonObjectReader& r, std::string_view key, ExitLegs& out, bool required) {
    const Json* legs = r.raw(key);
    if (legs == nullptr) {
        if (required) r.fail(r.field_pointer(key), "missing field");
        return;
    }
    if (!legs->is_array() || legs->size() > exit_legs_max) {
        r.fail(r.field_pointer(key), "expected an array of at most " + std::to_string(exit_legs_max) + " decimal strings");
        return;
    }
    ExitLegs read;
    for (std::size_t i = 0; i < legs->size(); ++i) {
        const Json& leg = (*legs)[i];
        const auto parsed = leg.is_string() ? Decimal::parse(leg.get_ref<const std::string&>()) : std::nullopt;
        if (!parsed) {
            r.fail(r.field_pointer(key) + "/" + std::to_string(i), "expected an exact decimal string, got " + describe_json(leg));
            return;
        }
        read.ratios[i] = *parsed;
    }
    read.count = static_cast<std::uint8_t>(legs->size());
    out = read;
}

// Bounds a field's type does not carry, checked right after the field is read (so the first
// problem of a record is still the first one met in list order).
template <typename Struct>
void check_json_field(JsonObjectReader&, const Struct&, std::string_view) {}

void check_json_field(JsonObjectReader& r, const TradeSlot& slot, std::string_view key) {
    constexpr int legs_max = static_cast<int>(exit_legs_max);
    if (key == "active_leg_index" && (slot.active_leg_index < 0 || slot.active_leg_index > legs_max)) {
        r.fail(r.field_pointer(key), "expected an integer from 0 to " + std::to_string(legs_max) + ", got " +
                                         std::to_string(slot.active_leg_index));
    }
}

#define DITA_JSON_WRITE(member, key, required, hashed) out[#key] = json_field(value.member);
#define DITA_JSON_KEY(member, key, required, hashed) #key,
#define DITA_JSON_READ(member, key, required, hashed)    \
    read_json_field(r, #key, value.member, required); \
    check_json_field(r, value, #key);

// The exact JSON form of a struct with a field list, both ways.
#define DITA_JSON_VIEWS(Struct, prefix, FIELDS)                                            \
    Json prefix##_to_json(const Struct& value) {                                           \
        Json out;                                                                          \
        FIELDS(DITA_JSON_WRITE)                                                            \
        return out;                                                                        \
    }                                                                                      \
    JsonResult<Struct> prefix##_from_json(const Json& json, const std::string& pointer) { \
        JsonObjectReader r(json, pointer);                                                 \
        r.reject_unknown_keys({FIELDS(DITA_JSON_KEY)});                                    \
        Struct value;                                                                      \
        FIELDS(DITA_JSON_READ)                                                             \
        return finish(r, value);                                                           \
    }

DITA_JSON_VIEWS(OrderRecord, order_record, DITA_ORDER_RECORD_FIELDS)
DITA_JSON_VIEWS(KernelDiagnostic, diagnostic, DITA_KERNEL_DIAGNOSTIC_FIELDS)
DITA_JSON_VIEWS(TradeSlot, slot, DITA_TRADE_SLOT_FIELDS)
DITA_JSON_VIEWS(VenueEvent, event, DITA_VENUE_EVENT_FIELDS)
DITA_JSON_VIEWS(AccountSnapshot, account, DITA_ACCOUNT_SNAPSHOT_FIELDS)

#undef DITA_JSON_VIEWS

#undef DITA_JSON_WRITE
#undef DITA_JSON_KEY
#undef DITA_JSON_READ

Json snapshot_to_json(const SlotSnapshot& snapshot) {
    Json orders = Json::array();
    for (const OrderRecord& order : snapshot.orders) orders.push_back(order_record_to_json(order));
    Json out;
    out["slot"] = slot_to_json(snapshot.slot);
    out["orders"] = std::move(orders);
    return out;
}

JsonResult<SlotSnapshot> snapshot_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"slot", "orders"});
    if (!r.ok()) return r.error();
    SlotSnapshot snapshot;
    const Json* slot = r.raw("slot");
    if (slot == nullptr) return JsonError{r.field_pointer("slot"), "missing field"};
    auto parsed_slot = slot_from_json(*slot, r.field_pointer("slot"));
    if (!parsed_slot.ok()) return parsed_slot.error();
    snapshot.slot = std::move(parsed_slot).value();
    if (const Json* orders = r.raw("orders")) {
        if (!orders->is_array()) return JsonError{r.field_pointer("orders"), "expected an array, got " + describe_json(*orders)};
        for (std::size_t i = 0; i < orders->size(); ++i) {
            auto order = order_record_from_json((*orders)[i], r.field_pointer("orders") + "/" + std::to_string(i));
            if (!order.ok()) return order.error();
            snapshot.orders.push_back(std::move(order).value());
        }
    }
    return snapshot;
}

// ---------------------------------------------------------------------------------------
// Venue truth

Json venue_order_to_json(const VenueOrder& order) {
    Json out;
    out["client_order_id"] = order.client_order_id.str();
    out["venue_order_id"] = order.venue_order_id.str();
    out["asset"] = order.asset.str();
    out["side"] = std::string(to_string(order.side));
    out["purpose"] = std::string(to_string(order.purpose));
    out["qty"] = decimal_to_json(order.qty);
    out["status"] = std::string(to_string(order.status));
    out["cum_filled_qty"] = decimal_to_json(order.cum_filled_qty);
    out["avg_fill_price"] = decimal_to_json(order.avg_fill_price);
    out["cum_fee"] = decimal_to_json(order.cum_fee);
    out["venue_sequence"] = order.venue_sequence;
    out["slot_id"] = order.slot_id;
    out["trade_id"] = order.trade_id.str();
    return out;
}

JsonResult<VenueOrder> venue_order_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"client_order_id", "venue_order_id", "asset", "side", "purpose", "qty", "status",
                           "cum_filled_qty", "avg_fill_price", "cum_fee", "venue_sequence", "slot_id", "trade_id"});
    VenueOrder order;
    order.client_order_id = r.fixed<Id>("client_order_id", true);
    order.venue_order_id = r.fixed<Id>("venue_order_id");
    order.asset = r.fixed<AssetName>("asset");
    order.side = r.enumeration("side", TradeSide::LONG, true);
    order.purpose = r.enumeration("purpose", OrderPurpose::ENTRY, true);
    order.qty = r.decimal("qty", {}, true);
    order.status = r.enumeration("status", VenueOrderStatus::NEW, true);
    order.cum_filled_qty = r.decimal("cum_filled_qty");
    order.avg_fill_price = r.decimal("avg_fill_price");
    order.cum_fee = r.decimal("cum_fee");
    order.venue_sequence = r.unsigned_integer("venue_sequence");
    order.slot_id = static_cast<int>(r.integer("slot_id", -1, false, INT32_MIN, INT32_MAX));
    order.trade_id = r.fixed<Id>("trade_id");
    return finish(r, order);
}

Json venue_position_to_json(const VenuePosition& position) {
    Json out;
    out["asset"] = position.asset.str();
    out["side"] = std::string(to_string(position.side));
    out["size"] = decimal_to_json(position.size);
    out["entry_price"] = decimal_to_json(position.entry_price);
    return out;
}

JsonResult<VenuePosition> venue_position_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"asset", "side", "size", "entry_price"});
    VenuePosition position;
    position.asset = r.fixed<AssetName>("asset", true);
    position.side = r.enumeration("side", TradeSide::LONG, true);
    position.size = r.decimal("size", {}, true);
    position.entry_price = r.decimal("entry_price");
    return finish(r, position);
}

Json instrument_to_json(const InstrumentSpec& spec) {
    Json out;
    out["asset"] = spec.asset.str();
    out["lot_step"] = decimal_to_json(spec.lot_step);
    out["tick_size"] = decimal_to_json(spec.tick_size);
    out["min_qty"] = decimal_to_json(spec.min_qty);
    out["min_notional"] = decimal_to_json(spec.min_notional);
    return out;
}

JsonResult<InstrumentSpec> instrument_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"asset", "lot_step", "tick_size", "min_qty", "min_notional"});
    InstrumentSpec spec;
    spec.asset = r.fixed<AssetName>("asset", true);
    spec.lot_step = r.decimal("lot_step", {}, true);
    spec.tick_size = r.decimal("tick_size", {}, true);
    spec.min_qty = r.decimal("min_qty");
    spec.min_notional = r.decimal("min_notional");
    return finish(r, spec);
}

Json call_result_to_json(const VenueCallResult& result) {
    Json out;
    out["status"] = std::string(to_string(result.status));
    out["venue_order_id"] = result.venue_order_id.str();
    out["detail"] = result.detail;
    return out;
}

JsonResult<VenueCallResult> call_result_from_json(const Json& json, const std::string& pointer) {
    JsonObjectReader r(json, pointer);
    r.reject_unknown_keys({"status", "venue_order_id", "detail"});
    VenueCallResult result;
    result.status = r.enumeration("status", VenueCallStatus::ACCEPTED, true);
    result.venue_order_id = r.fixed<Id>("venue_order_id");
    result.detail = r.string("detail");
    return finish(r, result);
}

Json outcome_to_json(const KernelOutcome& outcome) {
    Json events = Json::array();
    for (const VenueEvent& event : outcome.emitted_events) events.push_back(event_to_json(event));
    Json transitions = Json::array();
    for (const Transition& t : outcome.transitions) {
        Json one;
        one["slot_id"] = t.slot_id;
        one["from"] = std::string(to_string(t.from));
        one["to"] = std::string(to_string(t.to));
        one["input"] = std::string(to_string(t.input));
        one["timestamp_ns"] = t.timestamp_ns;
        transitions.push_back(std::move(one));
    }
    Json out;
    out["diagnostic_code"] = std::string(to_string(outcome.diagnostic_code));
    out["severity"] = std::string(to_string(outcome.severity));
    out["details"] = outcome.details;
    out["slot_id"] = outcome.slot_id;
    out["input_sequence"] = outcome.input_sequence;
    out["timestamp_ns"] = outcome.timestamp_ns;
    out["emitted_events"] = std::move(events);
    out["transitions"] = std::move(transitions);
    Json diagnostics = Json::array();
    for (const KernelDiagnostic& d : outcome.diagnostics) diagnostics.push_back(diagnostic_to_json(d));
    out["diagnostics"] = std::move(diagnostics);
    out["diagnostics_dropped"] = outcome.diagnostics_dropped;
    out["result_index"] = outcome.result_index;
    return out;
}

} // namespace dita
