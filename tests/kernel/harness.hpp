#pragma once
// A kernel on the mock venue with virtual time, as the tests and properties use it.
#include <memory>
#include <ostream>
#include <type_traits>
#include <string>

#include "dita/contracts/clock.hpp"
#include "dita/kernel/fsm.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita {
// Readable enum names in GoogleTest failure messages.
template <typename E>
    requires std::is_enum_v<E> && requires { EnumNames<E>::names; }
std::ostream& operator<<(std::ostream& os, E value) {
    return os << to_string(value);
}
} // namespace dita

namespace dita::test {

struct Harness {
    explicit Harness(MockVenueScenario scenario = {}, int max_slots = 2, bool trace = true)
        : venue(std::move(scenario), &clock),
          kernel(KernelConfig{.max_slots = max_slots}, control, venue, zinc, clock) {
        ControlUpdate update;
        update.trace_transitions = trace;
        control.update(update);
    }

    KernelOutcome enter(int slot, double size = 0.01, double price = 100.0, TradeSide side = TradeSide::LONG,
                        std::vector<double> legs = {1.0}) {
        KernelIntent intent = make(KernelCommandType::ENTER, slot);
        intent.target_size = size;
        intent.reference_price = price;
        intent.side = side;
        intent.exit_leg_ratios = std::move(legs);
        return kernel.process_intent(intent);
    }
    KernelOutcome exit(int slot, double size = 0.0, double price = 100.0) {
        KernelIntent intent = make(KernelCommandType::EXIT, slot);
        intent.target_size = size;
        intent.reference_price = price;
        return kernel.process_intent(intent);
    }
    KernelOutcome cancel(int slot) { return kernel.process_intent(make(KernelCommandType::CANCEL, slot)); }
    KernelOutcome mark(int slot, double price) {
        KernelIntent intent = make(KernelCommandType::MARK_PRICE, slot);
        intent.reference_price = price;
        return kernel.process_intent(intent);
    }
    KernelIntent make(KernelCommandType action, int slot) {
        ++sequence;
        KernelIntent intent;
        intent.intent_id = "t" + std::to_string(sequence) + "-" + std::string(to_string(action));
        intent.trade_id = "trade-" + std::to_string(sequence);
        intent.slot_id = slot;
        intent.action = action;
        intent.reference_price = 100.0;
        intent.target_size = 0.01;
        return intent;
    }
    // Capital identity: capital == initial + realized - fees + funding, exactly.
    bool money_identity_holds() const {
        const AccountSnapshot a = kernel.account();
        return a.capital == a.initial_capital + a.realized_pnl - a.fees_paid + a.funding &&
               a.equity == a.capital + a.unrealized_pnl;
    }

    VirtualClock clock;
    InMemoryControlPlane control;
    MockVenueAdapter venue;
    InMemoryZincPlane zinc;
    ExecutionKernel kernel;
    int sequence = 0;
};

inline Decimal dec(const char* text) {
    const auto value = Decimal::parse(text);
    DITA_ASSERT(value.has_value()); // a test's literal, not input: a typo must stop the test run
    return *value;
}

} // namespace dita::test
