#pragma once
// The configuration of `dita run`: one TOML file per account. Every problem is refused with
// the file, the key (dotted, e.g. "venue.max_order_qty") and the reason; nothing is guessed.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dita/contracts/decimal.hpp"
#include "dita/contracts/result.hpp"
#include "dita/control/control_plane.hpp"

namespace dita::service {

struct ConfigError {
    std::string file;
    std::string key; // dotted path of the offending key ("" when the file itself is the problem)
    std::string reason;
    std::string message() const { return file + ": " + (key.empty() ? std::string() : key + ": ") + reason; }
};

enum class VenueKind : std::uint8_t { MOCK, BINGX_SIM, BINGX };

struct VenueSettings {
    VenueKind kind = VenueKind::MOCK;
    // bingx: the exchange's REST host (required). bingx-sim: a running simulator (tools/bingx_sim);
    // empty: one is started inside the process (its state dies with the process).
    std::string rest_url;
    std::string ws_url; // empty: derived from rest_url
    bool live = false;  // bingx on a non-loopback host needs it, and both caps
    Decimal max_order_qty;
    Decimal max_order_notional;
};

struct ServiceConfig {
    std::string file; // the config file, for messages
    VenueSettings venue;
    std::string journal_path; // absolute, or relative to the config file's directory
    int slots = 2;
    Decimal initial_capital = Decimal::from_units(10'000);
    std::vector<std::string> assets{"BTCUSDT"};
    RiskLimits risk;
    std::int64_t reconcile_interval_ms = 30'000;
    std::int64_t mark_interval_ms = 1'000; // 0: no marks fed
    // Mock venue: the marks fed in turn per asset (the last repeats). Empty: the mock's prices
    // are the last entry prices the kernel saw, so no mark is fed.
    std::map<std::string, std::vector<Decimal>> mock_marks;
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8080; // 0: a free port (printed at start)
    std::string token; // resolved from api.token_env or api.token_file; never logged
    std::string log_format = "human"; // human | json
    std::string log_level = "info";   // trace | debug | info | warn | error
    std::string log_file;             // empty: stderr
};

inline constexpr int slots_max = 4096;
inline constexpr std::size_t assets_max = 64;
inline constexpr std::size_t mock_marks_max = 100'000;

// Reads and checks the file. Environment variables are read for the token (api.token_env).
Result<ServiceConfig, ConfigError> load_service_config(const std::string& path);
// The same from text (tests); `file` names it in errors and anchors relative paths.
Result<ServiceConfig, ConfigError> parse_service_config(const std::string& text, const std::string& file);

std::string_view venue_kind_name(VenueKind kind);
bool is_loopback_address(std::string_view address);

} // namespace dita::service
