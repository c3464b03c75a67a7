#pragma once
// Run-time switches the kernel reads on every input: mode, verbosity, tracing, risk limits.
#include <cstdint>
#include <optional>
#include <string>

#include "dita/contracts/decimal.hpp"
#include "dita/contracts/enums.hpp"

namespace dita {

// A zero limit means "no limit" for size and notional.
struct RiskLimits {
    Decimal max_position_size;
    Decimal max_notional;
    Decimal max_leverage = Decimal::from_units(125);
    friend bool operator==(const RiskLimits&, const RiskLimits&) = default;
};

struct ControlState {
    KernelMode mode = KernelMode::NORMAL;
    KernelVerbosity verbosity = KernelVerbosity::NORMAL;
    bool trace_transitions = false;
    RiskLimits risk_limits;
    std::uint64_t version = 0;
    std::string last_reason;
};

// Fields left empty keep their current value.
struct ControlUpdate {
    std::optional<KernelMode> mode;
    std::optional<KernelVerbosity> verbosity;
    std::optional<bool> trace_transitions;
    std::optional<Decimal> max_position_size;
    std::optional<Decimal> max_notional;
    std::optional<Decimal> max_leverage;
    std::string reason;
};

struct ControlResult {
    bool accepted = true;
    std::string detail;
};

class ControlPlane {
public:
    virtual ~ControlPlane() = default;
    virtual const ControlState& state() const = 0;
    virtual ControlResult update(const ControlUpdate& update) = 0;
};

class InMemoryControlPlane final : public ControlPlane {
public:
    InMemoryControlPlane() = default;
    explicit InMemoryControlPlane(ControlState initial) : state_(std::move(initial)) {}
    const ControlState& state() const override { return state_; }
    // Refuses negative limits or a max leverage below 1 and changes nothing then.
    ControlResult update(const ControlUpdate& update) override;

private:
    ControlState state_;
};

} // namespace dita
