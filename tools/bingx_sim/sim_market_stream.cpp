// The engine's side of the public market stream: mark prices by symbol.
#include "sim_engine.hpp"

namespace dita::bingx_sim {

std::optional<std::string> Engine::mark_price(std::string_view symbol) const {
    std::lock_guard lock(mutex_);
    const auto found = contracts_.find(std::string(symbol));
    if (found == contracts_.end()) return std::nullopt;
    return found->second.mark.to_string();
}

} // namespace dita::bingx_sim
