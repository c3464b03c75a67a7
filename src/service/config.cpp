#include "dita/service/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <toml++/toml.h>

namespace dita::service {

namespace {

// Walks one TOML table, remembers the first problem, and refuses keys it was not asked about.
class TableReader {
public:
    TableReader(const toml::table* table, std::string prefix, const std::string& file)
        : table_(table), prefix_(std::move(prefix)), file_(file) {}

    bool ok() const { return !error_.has_value(); }
    const ConfigError& error() const { return *error_; }
    void fail(std::string_view key, std::string reason) {
        if (!error_) error_ = ConfigError{file_, dotted(key), std::move(reason)};
    }
    std::string dotted(std::string_view key) const { return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key); }
    const toml::node* node(std::string_view key) {
        known_.emplace_back(key);
        return table_ == nullptr ? nullptr : table_->get(key);
    }

    std::string string(std::string_view key, std::string fallback) {
        const toml::node* n = node(key);
        if (n == nullptr) return fallback;
        if (const auto* s = n->as_string()) return s->get();
        fail(key, "expected a string, got " + type_name(*n));
        return fallback;
    }
    bool boolean(std::string_view key, bool fallback) {
        const toml::node* n = node(key);
        if (n == nullptr) return fallback;
        if (const auto* b = n->as_boolean()) return b->get();
        fail(key, "expected true or false, got " + type_name(*n));
        return fallback;
    }
    std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
        const toml::node* n = node(key);
        if (n == nullptr) return fallback;
        const auto* i = n->as_integer();
        if (i == nullptr) {
            fail(key, "expected an integer, got " + type_name(*n));
            return fallback;
        }
        if (i->get() < min || i->get() > max) {
            fail(key, "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", got " + std::to_string(i->get()));
            return fallback;
        }
        return i->get();
    }
    // A decimal from a string ("0.01", exact) or an integer; a float is refused as inexact.
    Decimal decimal_of(std::string_view key, const toml::node& n, Decimal fallback) {
        if (const auto* i = n.as_integer()) {
            if (i->get() < -10'000'000'000LL || i->get() > 10'000'000'000LL) {
                fail(key, "out of range: " + std::to_string(i->get()));
                return fallback;
            }
            return Decimal::from_units(i->get());
        }
        if (const auto* s = n.as_string()) {
            if (const auto parsed = Decimal::parse(s->get())) return *parsed;
            fail(key, "'" + s->get() + "' is not a decimal number (at most 8 fractional digits)");
            return fallback;
        }
        fail(key, "expected a decimal as a string (\"0.01\") or an integer, got " + type_name(n));
        return fallback;
    }
    Decimal decimal(std::string_view key, Decimal fallback) {
        const toml::node* n = node(key);
        return n == nullptr ? fallback : decimal_of(key, *n, fallback);
    }
    Decimal non_negative(std::string_view key, Decimal fallback) {
        const Decimal value = decimal(key, fallback);
        if (value.is_negative()) fail(key, "must not be negative, got " + value.to_string());
        return value;
    }
    std::string choice(std::string_view key, std::string fallback, std::initializer_list<std::string_view> allowed) {
        std::string value = string(key, fallback);
        for (const std::string_view a : allowed) {
            if (a == value) return value;
        }
        std::string list;
        for (const std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(key, "expected one of " + list + ", got '" + value + "'");
        return fallback;
    }
    const toml::table* table(std::string_view key) {
        const toml::node* n = node(key);
        if (n == nullptr) return nullptr;
        if (const auto* t = n->as_table()) return t;
        fail(key, "expected a table, got " + type_name(*n));
        return nullptr;
    }
    // Refuses a key nobody read: a typo must not be silently ignored.
    void reject_unknown() {
        if (table_ == nullptr || !ok()) return;
        for (const auto& [key, value] : *table_) {
            bool seen = false;
            for (const std::string& k : known_) seen = seen || k == key.str();
            if (!seen) {
                fail(key.str(), "unknown key");
                return;
            }
        }
    }
    static std::string type_name(const toml::node& n) {
        std::ostringstream out;
        out << n.type();
        return out.str();
    }

private:
    const toml::table* table_;
    std::string prefix_;
    const std::string& file_;
    std::vector<std::string> known_;
    std::optional<ConfigError> error_;
};

std::string resolve_path(const std::string& path, const std::string& file) {
    if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
    const auto dir = std::filesystem::path(file).parent_path();
    return (dir / path).lexically_normal().string();
}

std::optional<ConfigError> read_venue(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("venue"), "venue", config.file);
    const std::string kind = r.choice("kind", "mock", {"mock", "bingx-sim", "bingx"});
    config.venue.kind = kind == "bingx" ? VenueKind::BINGX : kind == "bingx-sim" ? VenueKind::BINGX_SIM : VenueKind::MOCK;
    config.venue.rest_url = r.string("rest_url", "");
    config.venue.ws_url = r.string("ws_url", "");
    config.venue.live = r.boolean("live", false);
    config.venue.max_order_qty = r.non_negative("max_order_qty", Decimal());
    config.venue.max_order_notional = r.non_negative("max_order_notional", Decimal());
    r.reject_unknown();
    if (r.ok() && config.venue.kind == VenueKind::BINGX) {
        if (config.venue.rest_url.empty()) r.fail("rest_url", "kind = \"bingx\" needs the exchange's REST URL");
        else if (!config.venue.live)
            r.fail("live", "kind = \"bingx\" trades on a real account: set live = true, max_order_qty and max_order_notional");
        else if (!config.venue.max_order_qty.is_positive()) r.fail("max_order_qty", "a live account needs a positive cap");
        else if (!config.venue.max_order_notional.is_positive())
            r.fail("max_order_notional", "a live account needs a positive cap");
    }
    if (r.ok() && config.venue.kind == VenueKind::MOCK && !config.venue.rest_url.empty())
        r.fail("rest_url", "the mock venue runs in the process and has no URL");
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<ConfigError> read_kernel(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("kernel"), "kernel", config.file);
    config.slots = static_cast<int>(r.integer("slots", config.slots, 1, slots_max));
    config.initial_capital = r.decimal("initial_capital", config.initial_capital);
    if (!config.initial_capital.is_positive()) r.fail("initial_capital", "must be positive");
    if (const toml::node* n = r.node("assets")) {
        const auto* list = n->as_array();
        if (list == nullptr || list->empty() || list->size() > assets_max) {
            r.fail("assets", "expected a list of 1.." + std::to_string(assets_max) + " asset names such as \"BTCUSDT\"");
        } else {
            config.assets.clear();
            for (const toml::node& item : *list) {
                const auto* s = item.as_string();
                if (s == nullptr || s->get().empty() || s->get().size() > 15) {
                    r.fail("assets", "every asset is a name of 1..15 characters such as \"BTCUSDT\"");
                    break;
                }
                config.assets.push_back(s->get());
            }
        }
    }
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<ConfigError> read_risk(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("risk"), "risk", config.file);
    config.risk.max_position_size = r.non_negative("max_position_size", Decimal());
    config.risk.max_notional = r.non_negative("max_notional", Decimal());
    config.risk.max_leverage = r.decimal("max_leverage", config.risk.max_leverage);
    if (config.risk.max_leverage < Decimal::from_units(1)) r.fail("max_leverage", "must be at least 1");
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<ConfigError> read_timing(TableReader& top, ServiceConfig& config) {
    {
        TableReader r(top.table("reconcile"), "reconcile", config.file);
        config.reconcile_interval_ms = r.integer("interval_ms", config.reconcile_interval_ms, 100, 86'400'000);
        r.reject_unknown();
        if (!r.ok()) return r.error();
    }
    TableReader r(top.table("marks"), "marks", config.file);
    config.mark_interval_ms = r.integer("interval_ms", config.mark_interval_ms, 0, 3'600'000);
    if (const toml::table* prices = r.table("mock_prices")) {
        if (config.venue.kind != VenueKind::MOCK) r.fail("mock_prices", "only the mock venue takes configured marks");
        for (const auto& [asset, value] : *prices) {
            const std::string key = "mock_prices." + std::string(asset.str());
            std::vector<Decimal> series;
            const auto* list = value.as_array();
            if (list == nullptr || list->empty() || list->size() > mock_marks_max) {
                r.fail(key, "expected a list of 1.." + std::to_string(mock_marks_max) + " prices");
                break;
            }
            for (const toml::node& item : *list) {
                const Decimal price = r.decimal_of(key, item, Decimal());
                if (r.ok() && !price.is_positive()) r.fail(key, "prices must be positive");
                series.push_back(price);
            }
            config.mock_marks[std::string(asset.str())] = std::move(series);
        }
    }
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<std::string> read_token_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    return token;
}

std::optional<ConfigError> read_api(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("api"), "api", config.file);
    config.listen_address = r.string("listen", config.listen_address);
    config.listen_port = static_cast<std::uint16_t>(r.integer("port", config.listen_port, 0, 65535));
    const std::string token_env = r.string("token_env", "");
    const std::string token_file = resolve_path(r.string("token_file", ""), config.file);
    if (r.ok() && !token_env.empty() && !token_file.empty()) r.fail("token_file", "give token_env or token_file, not both");
    if (r.ok() && !token_env.empty()) {
        const char* value = std::getenv(token_env.c_str());
        if (value == nullptr || *value == '\0') r.fail("token_env", "environment variable " + token_env + " is not set");
        else config.token = value;
    }
    if (r.ok() && !token_file.empty()) {
        const auto token = read_token_file(token_file);
        if (!token) r.fail("token_file", "cannot read " + token_file);
        else if (token->empty()) r.fail("token_file", token_file + " is empty");
        else config.token = *token;
    }
    if (r.ok() && !config.token.empty() && config.token.size() < 16)
        r.fail(token_env.empty() ? "token_file" : "token_env", "the token must have at least 16 characters");
    if (r.ok() && config.token.empty() && !is_loopback_address(config.listen_address))
        r.fail("listen", "listening on " + config.listen_address +
                             " (not loopback) needs a bearer token: set token_env or token_file");
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<ConfigError> read_log(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("log"), "log", config.file);
    config.log_format = r.choice("format", config.log_format, {"human", "json"});
    config.log_level = r.choice("level", config.log_level, {"trace", "debug", "info", "warn", "error"});
    config.log_file = resolve_path(r.string("file", ""), config.file);
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

std::optional<ConfigError> read_journal(TableReader& top, ServiceConfig& config) {
    TableReader r(top.table("journal"), "journal", config.file);
    config.journal_path = resolve_path(r.string("path", ""), config.file);
    if (r.ok() && config.journal_path.empty()) r.fail("path", "the SQLite journal's path is required");
    r.reject_unknown();
    if (!r.ok()) return r.error();
    return std::nullopt;
}

} // namespace

std::string_view venue_kind_name(VenueKind kind) {
    switch (kind) {
    case VenueKind::MOCK: return "mock";
    case VenueKind::BINGX_SIM: return "bingx-sim";
    case VenueKind::BINGX: return "bingx";
    }
    return "?";
}

bool is_loopback_address(std::string_view address) {
    return address == "127.0.0.1" || address == "::1" || address == "localhost" ||
           (address.starts_with("127.") && address.size() <= 15);
}

Result<ServiceConfig, ConfigError> parse_service_config(const std::string& text, const std::string& file) {
    toml::table root;
    try {
        root = toml::parse(text, file);
    } catch (const toml::parse_error& error) {
        const auto& where = error.source().begin;
        return ConfigError{file, "", "line " + std::to_string(where.line) + ", column " + std::to_string(where.column) +
                                         ": " + std::string(error.description())};
    }
    ServiceConfig config;
    config.file = file;
    TableReader top(&root, "", file);
    for (const auto read : {read_venue, read_journal, read_kernel, read_risk, read_timing, read_api, read_log}) {
        if (auto error = read(top, config)) return *std::move(error);
    }
    top.reject_unknown();
    if (!top.ok()) return top.error();
    return config;
}

Result<ServiceConfig, ConfigError> load_service_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return ConfigError{path, "", "cannot read the file"};
    std::ostringstream text;
    text << in.rdbuf();
    return parse_service_config(text.str(), path);
}

} // namespace dita::service
