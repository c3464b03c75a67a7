// A manual check, not a ctest (ccxt comes from npm, not from Debian): drives bingx-sim with
// ccxt's stock bingx class, as a real client would, and prints what each call got.
//   build/bin/bingx-sim --port 0 &            # prints its port
//   npm install ccxt                          # in a scratch directory
//   node tools/bingx_sim/ccxt_check.mjs PORT  # run from that directory (NODE_PATH=... node ...)
// Sandbox mode keeps ccxt on the swap endpoints (the simulator has no spot ones); every URL
// points at the simulator on 127.0.0.1. Exit status 1 when any call failed.
import ccxt from 'ccxt';
const port = process.argv[2];
const ex = new ccxt.bingx({ apiKey: 'dita-sim-key', secret: 'dita-sim-secret', enableRateLimit: false });
ex.setSandboxMode(true);
ex.options.defaultType = 'swap';
const base = `http://127.0.0.1:${port}/openApi`;
for (const k of Object.keys(ex.urls.test)) ex.urls.test[k] = base;
ex.urls.api = ex.urls.test;
const out = {};
const step = async (name, f) => {
  try { out[name] = await f(); console.log('OK  ', name, JSON.stringify(out[name]).slice(0, 300)); }
  catch (e) { console.log('FAIL', name, e.constructor.name, String(e.message).slice(0, 300)); process.exitCode = 1; }
};
await step('loadMarkets', async () => { const m = await ex.loadMarkets(); const b = m['BTC/USDT:USDT'];
  return { count: Object.keys(m).length, symbol: b.symbol, precision: b.precision, limits: b.limits.amount, active: b.active }; });
await step('fetchTicker', async () => { const t = await ex.fetchTicker('BTC/USDT:USDT'); return { last: t.last, bid: t.bid, ask: t.ask, timestamp: t.timestamp }; });
await step('fetchBalance', async () => { const b = await ex.fetchBalance(); return { USDT: b.USDT }; });
await step('setLeverage', async () => ex.setLeverage(7, 'BTC/USDT:USDT', { side: 'LONG' }));
await step('fetchLeverage', async () => { const l = await ex.fetchLeverage('BTC/USDT:USDT'); return { long: l.longLeverage, short: l.shortLeverage }; });
await step('createOrder', async () => { const o = await ex.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01, undefined,
  { positionSide: 'LONG', clientOrderId: 'ccxt-check-' + Date.now() }); return { id: o.id, status: o.status, filled: o.filled, clientOrderId: o.clientOrderId }; });
await step('fetchOrder', async () => { const o = await ex.fetchOrder(out.createOrder.id, 'BTC/USDT:USDT');
  return { status: o.status, filled: o.filled, average: o.average, timestamp: o.timestamp, fee: o.fee, lastUpdateTimestamp: o.lastUpdateTimestamp }; });
await step('fetchOpenOrders', async () => (await ex.fetchOpenOrders('BTC/USDT:USDT')).length);
await step('fetchPositions', async () => (await ex.fetchPositions(['BTC/USDT:USDT'])).map(p => ({ side: p.side, contracts: p.contracts,
  entryPrice: p.entryPrice, markPrice: p.markPrice, notional: p.notional, leverage: p.leverage, initialMargin: p.initialMargin,
  liquidationPrice: p.liquidationPrice, lastUpdateTimestamp: p.lastUpdateTimestamp })));
await step('closeOrder', async () => { const o = await ex.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.01, undefined, { positionSide: 'LONG' });
  return { id: o.id, status: o.status }; });
await step('fetchPositionsAfter', async () => (await ex.fetchPositions(['BTC/USDT:USDT'])).length);
