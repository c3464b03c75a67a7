// Exact numbers and fields from BingX JSON answers.
#include "protocol_fields.hpp"

#include <cmath>
#include <cstdlib>

#include "dita/contracts/json_text.hpp"

namespace dita::bingx {

std::optional<Decimal> parse_decimal_lenient(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return Decimal();
    if (const auto exact = Decimal::parse(text)) return exact;
    if (text.find_first_of("eE") != std::string_view::npos) {
        // Exponent form (a JSON number printed back): precise enough at 1e-8 for prices and sizes.
        std::string copy(text);
        char* end = nullptr;
        const double value = std::strtod(copy.c_str(), &end);
        if (end != copy.c_str() + copy.size()) return std::nullopt;
        return Decimal::from_double(value);
    }
    // More than eight fractional digits: round half away from zero at the eighth.
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || text.size() - dot - 1 <= static_cast<std::size_t>(Decimal::decimals)) {
        return std::nullopt;
    }
    const std::string_view kept = text.substr(0, dot + 1 + Decimal::decimals);
    const std::string_view rest = text.substr(dot + 1 + Decimal::decimals);
    for (const char c : rest) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    auto value = Decimal::parse(kept);
    if (!value) return std::nullopt;
    if (rest.front() >= '5') {
        const Decimal unit = Decimal::from_raw(value->is_negative() || kept.front() == '-' ? -1 : 1);
        value = *value + unit;
    }
    return value;
}

namespace detail {

// A field's value as exact decimal: string, number or absent (zero). nullopt when unreadable.
std::optional<Decimal> decimal_of(const json& value) {
    if (value.is_null()) return Decimal();
    if (value.is_string()) return parse_decimal_lenient(value.get_ref<const std::string&>());
    if (value.is_number_integer()) {
        if (value.is_number_unsigned()) {
            const auto v = value.get<std::uint64_t>();
            if (v > 10'000'000'000ULL) return std::nullopt;
            return Decimal::from_units(static_cast<std::int64_t>(v));
        }
        const auto v = value.get<std::int64_t>();
        if (v > 10'000'000'000LL || v < -10'000'000'000LL) return std::nullopt;
        return Decimal::from_units(v);
    }
    if (value.is_number_float()) return parse_decimal_lenient(value.dump());
    return std::nullopt;
}

const json* find_any(const json& object, std::initializer_list<const char*> names) {
    if (!object.is_object()) return nullptr;
    for (const char* name : names) {
        const auto found = object.find(name);
        if (found != object.end()) return &*found;
    }
    return nullptr;
}

Decimal FieldReader::decimal(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr) return Decimal();
    const auto decimal = decimal_of(*value);
    if (!decimal) {
        note(std::string("unreadable number in '") + *names.begin() + "': " + value->dump());
        return Decimal();
    }
    return *decimal;
}

std::optional<Decimal> FieldReader::optional_decimal(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr || value->is_null() || (value->is_string() && value->get_ref<const std::string&>().empty())) {
        return std::nullopt;
    }
    return decimal(object, names);
}

void FieldReader::note(const std::string& problem) {
    if (!problems_.empty()) problems_ += "; ";
    problems_ += problem;
}

std::string text_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr || value->is_null()) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_number_unsigned()) return std::to_string(value->get<std::uint64_t>());
    if (value->is_number_integer()) return std::to_string(value->get<std::int64_t>());
    if (value->is_boolean()) return value->get<bool>() ? "true" : "false";
    return value->dump();
}

std::int64_t int_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr) return 0;
    if (value->is_number_unsigned()) {
        const auto v = value->get<std::uint64_t>();
        return v > static_cast<std::uint64_t>(INT64_MAX) ? 0 : static_cast<std::int64_t>(v);
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    if (value->is_number_float()) {
        const double v = value->get<double>();
        return std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<std::int64_t>(v) : 0;
    }
    if (value->is_string()) {
        const std::string& s = value->get_ref<const std::string&>();
        std::int64_t out = 0;
        bool negative = false;
        std::size_t i = 0;
        if (!s.empty() && s[0] == '-') {
            negative = true;
            i = 1;
        }
        for (; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9' || out > (INT64_MAX - 9) / 10) return 0;
            out = out * 10 + (s[i] - '0');
        }
        return negative ? -out : out;
    }
    return 0;
}

bool bool_of(const json& object, std::initializer_list<const char*> names) {
    const json* value = find_any(object, names);
    if (value == nullptr) return false;
    if (value->is_boolean()) return value->get<bool>();
    if (value->is_string()) return value->get_ref<const std::string&>() == "true";
    if (value->is_number_integer()) return value->get<std::int64_t>() != 0;
    return false;
}

Error unreadable(std::string detail) { return Error{"UNREADABLE", std::move(detail)}; }

json parse_json(std::string_view text) {
    // A hostile or broken server's answer: deeper, larger or more member-heavy than any real
    // BingX answer is refused before nlohmann builds (and later recursively copies) it.
    static constexpr JsonTextLimits answer_limits{16u << 20, 32, 2'000'000, 4'096};
    if (scan_json_text(text, answer_limits)) return json(json::value_t::discarded);
    return json::parse(text.begin(), text.end(), nullptr, false);
}

} // namespace detail
} // namespace dita::bingx
