"""Two trade lifecycles through BingxVenueAdapter against a local BingxSimulator, then the account."""
import dita
from dita import KernelCommandType as Cmd

with dita.BingxSimulator(mark_price=100.0, quantity_precision=3, trade_min_usdt=0.0) as sim, \
        dita.BingxVenueAdapter(**sim.adapter_options(), send_price_with_market=True) as venue:
    kernel = dita.ExecutionKernel(2, dita.InMemoryControlPlane(), venue, dita.InMemoryZincPlane())
    steps = [(Cmd.ENTER, 100.0), (Cmd.EXIT, 101.0), (Cmd.ENTER, 100.0), (Cmd.EXIT, 102.0)]
    for n, (action, price) in enumerate(steps):
        outcome = kernel.process_intent(dita.KernelIntent(
            intent_id=f"i{n}", trade_id=f"t{n // 2}", side=dita.TradeSide.LONG, action=action,
            target_size=0.01, reference_price=price))
        print(action.value, outcome.diagnostic_code.value, kernel.slot(0).fsm_state.value)
    venue.wait_quiet()
    kernel.pump_venue()
    print("lifecycles:", sum(o["status"] == "FILLED" for o in sim.orders()) // 2)
    print(kernel.account().to_dict())
