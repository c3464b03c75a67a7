"""dita.BingxVenueAdapter on dita.BingxSimulator (127.0.0.1 only): trading through the kernel,
the live guard and caps, keys that never show, the GIL released during network waits, and
threads that stop on close() and when everything is dropped."""

from __future__ import annotations

import gc
import os
import threading
import weakref

import pytest

import dita
from dita import (
    BingxSimFaults,
    BingxSimulator,
    BingxVenueAdapter,
    ExecutionKernel,
    InMemoryControlPlane,
    InMemoryZincPlane,
    KernelCommandType,
    KernelDiagnosticCode,
    KernelIntent,
    TradeSide,
    TradeStage,
    VenueAdapter,
    VenueUnavailableError,
    WallClock,
)
from test_threads_and_lifetimes import os_threads, ticker  # noqa: F401 - the fixture is used by name

SECRET = "s3cr3t-never-shown-0123456789"
SIMULATOR_THREADS = 1  # its I/O thread


def seed_like_simulator(**kwargs) -> BingxSimulator:
    """Contracts like the mock's: lot 0.001, no minimum notional, mark price 100."""
    settings = dict(quantity_precision=3, trade_min_quantity=0.001, trade_min_usdt=0.0, mark_price=100.0)
    settings.update(kwargs)
    return BingxSimulator(**settings)


def adapter_on(sim: BingxSimulator, **kwargs) -> BingxVenueAdapter:
    options = sim.adapter_options()
    options.update(send_price_with_market=True, request_timeout_ms=1000, recv_window_ms=2000)
    options.update(kwargs)
    return BingxVenueAdapter(**options)


def simulator_threads(sim: BingxSimulator) -> int:
    return 0 if not sim.running else SIMULATOR_THREADS


def kernel_on(venue) -> ExecutionKernel:
    return ExecutionKernel(2, InMemoryControlPlane(), venue, InMemoryZincPlane())


def intent(n: int, action: KernelCommandType, size: float = 0.01, price: float = 100.0) -> KernelIntent:
    return KernelIntent(intent_id=f"bx-{n}-{action.value.lower()}", trade_id=f"bx-trade-{(n + 1) // 2}",
                        action=action, side=TradeSide.LONG, target_size=size, reference_price=price)


def test_two_lifecycles_through_the_kernel():
    with seed_like_simulator() as sim, adapter_on(sim) as venue:
        assert isinstance(venue, VenueAdapter)
        assert venue.stream_connected and venue.name() == "bingx"
        kernel = kernel_on(venue)
        assert isinstance(kernel.clock, WallClock)  # live venues run on wall time
        for n, (action, price) in enumerate([(KernelCommandType.ENTER, 100.0), (KernelCommandType.EXIT, 101.0),
                                             (KernelCommandType.ENTER, 100.0), (KernelCommandType.EXIT, 99.0)]):
            outcome = kernel.process_intent(intent(n + 1, action, price=price))
            assert outcome.diagnostic_code == KernelDiagnosticCode.OK, outcome.details
        assert venue.wait_quiet(100, 10000)
        kernel.pump_venue()
        assert kernel.slot(0).fsm_state == TradeStage.TRADE_TERMINAL_WRITTEN
        account = kernel.account()
        # +1 then -1 per 0.01 BTC: zero; fees 0.0005 of 4 fills of ~1 USDT notional.
        assert account.realized_pnl == pytest.approx(0.0, abs=1e-9)
        assert account.fees_paid == pytest.approx(0.0005 * (1.0 + 1.01 + 1.0 + 0.99), abs=1e-9)
        filled = [o for o in sim.orders() if o["status"] == "FILLED"]
        assert len(filled) == 4
        assert sim.positions() == [] or all(p["amount"] == 0 for p in sim.positions())
        assert venue.positions("BTCUSDT") == [] or all(p.qty == 0 for p in venue.positions("BTCUSDT"))
        assert venue.balance()["asset"] == "USDT"
        assert venue.instrument("BTCUSDT").lot_step == pytest.approx(0.001)


def test_a_real_host_is_refused_without_live_and_caps():
    for url in ("https://open-api.bingx.com", "https://open-api-vst.bingx.com", "http://192.0.2.1:8080"):
        with pytest.raises(PermissionError, match="live=True") as refused:
            BingxVenueAdapter(base_url=url, api_key="key-abcd", api_secret=SECRET)
        assert SECRET not in str(refused.value)
        with pytest.raises(PermissionError, match="order_qty_max and order_notional_max"):
            BingxVenueAdapter(base_url=url, api_key="key-abcd", api_secret=SECRET, live=True, order_qty_max=0.01)
    with pytest.raises(PermissionError):  # the default host is the real exchange
        BingxVenueAdapter(api_key="key-abcd", api_secret=SECRET)
    with pytest.raises(ValueError, match="must be positive"):
        BingxVenueAdapter(base_url="https://open-api.bingx.com", api_key="k", api_secret=SECRET, live=True,
                          order_qty_max=-1.0, order_notional_max=100.0)


def test_keys_come_from_the_environment_and_never_show(monkeypatch):
    with seed_like_simulator() as sim:
        monkeypatch.delenv("BINGX_API_KEY", raising=False)
        monkeypatch.delenv("BINGX_API_SECRET", raising=False)
        with pytest.raises(ValueError, match="BINGX_API_KEY"):
            BingxVenueAdapter(base_url=sim.rest_url)
        monkeypatch.setenv("BINGX_API_KEY", sim.api_key)
        monkeypatch.setenv("BINGX_API_SECRET", sim.api_secret)
        with BingxVenueAdapter(base_url=sim.rest_url) as venue:
            assert venue.stream_url == sim.ws_url  # derived: same host and port, /swap-market
            shown = repr(venue)
            assert sim.api_secret not in shown and sim.api_key not in shown
            assert venue.api_key_hint == "…" + sim.api_key[-4:]
        # A wrong secret: the exchange's refusal is reported (at start-up, or at the first signed
        # call when start-up signs nothing), the secret is not.
        with pytest.raises(VenueUnavailableError) as refused:
            with BingxVenueAdapter(base_url=sim.rest_url, api_key=sim.api_key, api_secret=SECRET) as venue:
                assert SECRET not in repr(venue)
                venue.balance()
        assert SECRET not in str(refused.value) and SECRET not in repr(refused.value)
        assert sim.stats()["auth_failures"] > 0
        with pytest.raises(ValueError, match="both api_key and api_secret"):
            BingxVenueAdapter(base_url=sim.rest_url, api_key=sim.api_key)


def test_caps_refuse_orders_above_them():
    with seed_like_simulator() as sim, adapter_on(sim, order_qty_max=0.005, order_notional_max=1000.0) as venue:
        assert venue.order_qty_max == pytest.approx(0.005) and venue.order_notional_max == pytest.approx(1000.0)
        kernel = kernel_on(venue)
        outcome = kernel.process_intent(intent(1, KernelCommandType.ENTER, size=0.01))
        assert outcome.diagnostic_code == KernelDiagnosticCode.ORDER_REJECTED, outcome.details
        assert sim.stats()["orders_created"] == 0  # refused before anything was sent
        outcome = kernel.process_intent(KernelIntent(intent_id="small", trade_id="small", target_size=0.004,
                                                     reference_price=100.0))
        assert outcome.diagnostic_code == KernelDiagnosticCode.OK, outcome.details


def test_bad_arguments_are_refused_clearly():
    with seed_like_simulator() as sim:
        with pytest.raises(ValueError, match="HEDGE or ONE_WAY"):
            adapter_on(sim, position_mode="BOTH")
        with pytest.raises(ValueError, match="not a USDT/USDC pair"):
            adapter_on(sim, symbols=["BTC/EUR"])
        with pytest.raises(ValueError, match="must be positive"):
            adapter_on(sim, ws_idle_timeout_ms=0)
        with pytest.raises(ValueError, match="must be positive"):
            adapter_on(sim, request_timeout_ms=0)
        with pytest.raises(ValueError, match="at least one symbol"):
            adapter_on(sim, symbols=[])
        with pytest.raises(ValueError):
            BingxSimFaults(http_5xx_rate=1.5)
        with pytest.raises(VenueUnavailableError):  # nothing listens there
            BingxVenueAdapter(base_url="http://127.0.0.1:1", api_key="k", api_secret="s", request_timeout_ms=500,
                              call_timeout_ms=1000)


def test_the_gil_is_released_during_network_waits(ticker):  # noqa: F811 - the fixture
    with seed_like_simulator() as sim, adapter_on(sim) as venue:
        sim.set_faults(BingxSimFaults(slow_rate=1.0, slow_ms=300))
        # A slow answer (held back 300 ms) is waited for without the GIL.
        assert ticker.progress_during(lambda: venue.open_orders("BTCUSDT")) > 0
        kernel = kernel_on(venue)
        assert ticker.progress_during(lambda: kernel.process_intent(intent(1, KernelCommandType.ENTER))) > 0


def test_close_stops_its_threads_and_the_kernel_gets_unavailable():
    gc.collect()
    threads_before = os_threads()
    sim = seed_like_simulator()
    venue = adapter_on(sim)
    kernel = kernel_on(venue)
    assert os_threads() > threads_before
    venue.close()
    assert os_threads() == threads_before + simulator_threads(sim)  # the adapter's are gone
    venue.close()  # idempotent
    assert venue.closed and not venue.stream_connected and "closed" in repr(venue)
    outcome = kernel.process_intent(intent(1, KernelCommandType.ENTER))
    assert outcome.diagnostic_code != KernelDiagnosticCode.OK  # refused, not crashed
    assert kernel.slot(0).fsm_state != TradeStage.POSITION_OPEN
    with pytest.raises(VenueUnavailableError, match="closed"):
        venue.open_orders("BTCUSDT")
    sim.close()
    assert not sim.running
    assert os_threads() == threads_before


def test_dropped_kernels_adapters_and_simulators_leave_no_threads():
    gc.collect()
    threads_before = (threading.active_count(), os_threads())

    def cycle(n: int) -> None:
        sim = seed_like_simulator(seed=n + 1)
        venue = adapter_on(sim)
        kernel = kernel_on(venue)
        kernel.process_intent(intent(1, KernelCommandType.ENTER))
        kernel.process_intent(intent(2, KernelCommandType.EXIT))
        # Dropped in the worst order: the simulator first, then the adapter the kernel still holds.

    for n in range(5):
        cycle(n)
        gc.collect()
    assert (threading.active_count(), os_threads()) == threads_before


def test_an_adapter_is_released_with_its_kernel():
    gc.collect()
    threads_before = os_threads()
    with seed_like_simulator() as sim:
        venue = adapter_on(sim)
        kernel = kernel_on(venue)
        kernel.process_intent(intent(1, KernelCommandType.ENTER))
        alive = weakref.ref(venue)
        del venue
        gc.collect()
        assert alive() is not None and kernel.venue is alive()  # the kernel holds it
        assert kernel.venue.stream_connected
        del kernel
        gc.collect()
        assert alive() is None
        assert os_threads() == threads_before + SIMULATOR_THREADS  # the adapter's threads are gone
    assert os_threads() == threads_before


def test_the_simulator_gives_urls_keys_and_faults():
    faults = BingxSimFaults.moderate(1000)
    assert faults.slow_ms == 2000 and 0 < faults.http_5xx_rate < 1
    with BingxSimulator(faults=faults, hedge_mode=False, tls=True) as sim:
        assert sim.rest_url.startswith("https://127.0.0.1:") and sim.ws_url.endswith("/swap-market")
        assert "BEGIN CERTIFICATE" in sim.tls_certificate_pem
        options = sim.adapter_options()
        assert options["position_mode"] == "ONE_WAY" and options["tls_ca_pem"] == sim.tls_certificate_pem
        assert sim.api_key and sim.api_secret
    assert not sim.running
    with pytest.raises(ValueError, match="not a USDT/USDC pair"):
        BingxSimulator(symbols=["XYZ"])
