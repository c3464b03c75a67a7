#pragma once
// The simulator's wire helpers shared by the engine's files (private to tools/bingx_sim):
// parameter parsing, BingX's JSON envelope, the paths the engine routes on, and its log.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "sim_engine.hpp"

namespace dita::bingx_sim {

inline constexpr std::string_view swap = "/openApi/swap/v2";
inline constexpr std::string_view path_position_mode = "/openApi/swap/v1/positionSide/dual";
inline constexpr std::string_view path_balance_v3 = "/openApi/swap/v3/user/balance";

std::string lower(std::string_view text);
// A configured decimal (non-negative); throws std::invalid_argument naming the SimConfig field.
Decimal require_decimal(std::string_view text, const char* what);
Decimal step_of(int precision);
// Parses "k=v&k2=v2" in received order; nullopt for a broken escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_params(std::string_view text);
// The signed payload: every parameter but the signature, in received order.
std::string raw_string(const std::vector<std::pair<std::string, std::string>>& params);
// The first of names present, or nullptr.
const std::string* param(const std::vector<std::pair<std::string, std::string>>& params,
                         std::initializer_list<const char*> names);
std::string envelope(std::int64_t code, std::string_view msg, const nlohmann::json& data);
SimResponse error(std::int64_t code, std::string_view msg, int status = 200);
Handled handled(SimResponse response);
Handled ok(const nlohmann::json& data);
std::optional<std::int64_t> parse_int(std::string_view text);

// The simulator's log (spdlog logger "bingx-sim", stderr, default warn).
spdlog::logger& sim_log();

} // namespace dita::bingx_sim
