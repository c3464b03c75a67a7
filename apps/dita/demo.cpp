#include "demo.hpp"

#include <fmt/format.h>

#include "dita/contracts/clock.hpp"
#include "dita/kernel/kernel.hpp"
#include "dita/venues/mock/mock_venue.hpp"

namespace dita::app {

namespace {

void print_outcome(const char* label, const KernelOutcome& outcome, bool show_transitions) {
    fmt::print("{:<8} {:<18} {:<8} {}\n", label, to_string(outcome.diagnostic_code), to_string(outcome.severity),
               outcome.details.str());
    if (!show_transitions) return;
    for (const Transition& t : outcome.transitions) {
        fmt::print("           slot {}  {:<26} -> {:<26} ({})\n", t.slot_id, to_string(t.from), to_string(t.to),
                   to_string(t.input));
    }
}

void print_account(const AccountSnapshot& a) {
    fmt::print("account  capital {}  equity {}  realized {}  fees {}  unrealized {}  margin {}\n",
               a.capital.to_string(), a.equity.to_string(), a.realized_pnl.to_string(), a.fees_paid.to_string(),
               a.unrealized_pnl.to_string(), a.used_margin.to_string());
}

} // namespace

int run_demo(const DemoOptions& options) {
    VirtualClock clock;
    InMemoryControlPlane control;
    control.update(ControlUpdate{.trace_transitions = true});
    MockVenueScenario scenario;
    scenario.partial_fill_ratio = options.partial_fill_ratio;
    MockVenueAdapter venue(scenario, &clock);
    InMemoryZincPlane zinc;
    ExecutionKernel kernel(KernelConfig{.max_slots = 2}, control, venue, zinc, clock);

    fmt::print("dita demo: {} lifecycles on the mock venue (BTCUSDT, lot 0.001, taker fee 0.0005)\n\n", options.cycles);
    double price = 67000.0;
    for (int cycle = 0; cycle < options.cycles; ++cycle) {
        const bool long_side = cycle % 2 == 0;
        KernelIntent enter;
        enter.intent_id = fmt::format("demo-{}-enter", cycle);
        enter.trade_id = fmt::format("demo-trade-{}", cycle);
        enter.slot_id = 0;
        enter.asset = "BTCUSDT";
        enter.side = long_side ? TradeSide::LONG : TradeSide::SHORT;
        enter.action = KernelCommandType::ENTER;
        enter.reference_price = price;
        enter.target_size = 0.010;
        enter.leverage = 5.0;
        enter.exit_leg_ratios = {0.5, 1.0};
        fmt::print("--- trade {} ({}) ---\n", cycle, to_string(enter.side));
        print_outcome("ENTER", kernel.process_intent(enter), options.show_transitions);
        if (kernel.slot(0).fsm_state != TradeStage::POSITION_OPEN) {
            KernelIntent cancel = enter;
            cancel.intent_id = fmt::format("demo-{}-cancel", cycle);
            cancel.action = KernelCommandType::CANCEL;
            print_outcome("CANCEL", kernel.process_intent(cancel), options.show_transitions);
        }
        clock.advance_ns(1'000'000'000);
        price += long_side ? 150.0 : -80.0;
        KernelIntent mark = enter;
        mark.intent_id = fmt::format("demo-{}-mark", cycle);
        mark.action = KernelCommandType::MARK_PRICE;
        mark.reference_price = price;
        print_outcome("MARK", kernel.process_intent(mark), false);
        print_account(kernel.account());
        for (int leg = 0; leg < 2; ++leg) {
            KernelIntent exit = enter;
            exit.intent_id = fmt::format("demo-{}-exit-{}", cycle, leg);
            exit.action = KernelCommandType::EXIT;
            exit.target_size = 0.0; // next leg
            exit.reference_price = price;
            print_outcome("EXIT", kernel.process_intent(exit), options.show_transitions);
            clock.advance_ns(500'000'000);
        }
        const TradeSlot& slot = kernel.slot(0);
        fmt::print("slot 0   {}  realized {}  fees {}  closed {}\n", to_string(slot.fsm_state),
                   slot.realized_pnl.to_string(), slot.fees.to_string(), slot.closed);
        print_account(kernel.account());
        fmt::print("\n");
    }
    const AccountSnapshot a = kernel.account();
    const bool identity = a.capital == a.initial_capital + a.realized_pnl - a.fees_paid;
    fmt::print("terminal records written: {}\n", zinc.terminal_records().size());
    fmt::print("capital identity (capital == initial + realized - fees): {}\n", identity ? "holds" : "BROKEN");
    return identity ? 0 : 1;
}

} // namespace dita::app
