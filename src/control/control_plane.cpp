#include "dita/control/control_plane.hpp"

namespace dita {

ControlResult InMemoryControlPlane::update(const ControlUpdate& update) {
    if (update.max_position_size && update.max_position_size->is_negative()) {
        return {false, "max_position_size must not be negative"};
    }
    if (update.max_notional && update.max_notional->is_negative()) {
        return {false, "max_notional must not be negative"};
    }
    if (update.max_leverage && *update.max_leverage < Decimal::from_units(1)) {
        return {false, "max_leverage must be at least 1"};
    }
    if (update.mode) state_.mode = *update.mode;
    if (update.verbosity) state_.verbosity = *update.verbosity;
    if (update.trace_transitions) state_.trace_transitions = *update.trace_transitions;
    if (update.max_position_size) state_.risk_limits.max_position_size = *update.max_position_size;
    if (update.max_notional) state_.risk_limits.max_notional = *update.max_notional;
    if (update.max_leverage) state_.risk_limits.max_leverage = *update.max_leverage;
    state_.last_reason = update.reason;
    ++state_.version;
    return {};
}

} // namespace dita
