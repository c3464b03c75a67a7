// dita.BingxSimulator and dita.BingxSimFaults: the local BingX simulator (tools/bingx_sim),
// served on 127.0.0.1 from the process's own threads, for tests and paper trading.
#include <pybind11/stl.h>

#include <stdexcept>

#include "bingx_object.hpp"
#include "fields.hpp"
#include "dita/bingx_sim/simulator.hpp"

namespace dita::py_binding {

namespace {

// close() destroys the simulator (its threads joined); what it was is kept for the properties.
struct PyBingxSimulator {
    explicit PyBingxSimulator(bingx_sim::SimConfig in)
        : config(std::move(in)), owned(std::make_unique<bingx_sim::Simulator>(config)) {}
    bingx_sim::Simulator& sim() {
        if (!owned) throw std::runtime_error("BingxSimulator is closed");
        return *owned;
    }

    bingx_sim::SimConfig config;
    std::unique_ptr<bingx_sim::Simulator> owned;
    std::string rest_url;
    std::string ws_url;
    std::uint16_t port = 0;
    std::string certificate_pem;
};

double rate_of(double value, const char* name) {
    if (!(value >= 0.0 && value <= 1.0)) {
        throw py::value_error(std::string("BingxSimFaults.") + name + " must be from 0 to 1");
    }
    return value;
}

int millis_of(int value, const char* name) {
    if (value < 0 || value > 60'000) throw py::value_error(std::string("BingxSimFaults.") + name + " must be 0..60000");
    return value;
}

void bind_faults(py::module_& m) {
    using F = bingx_sim::SimFaults;
    py::class_<F>(m, "BingxSimFaults",
                  "Shares (0..1) of requests or stream events a BingxSimulator fault hits, drawn from the "
                  "simulator's seeded PRNG. All zero (the default): no faults.")
        .def(py::init([](double http_5xx_rate, int http_5xx_status, double slow_rate, int slow_ms, double drop_rate,
                         double execute_on_fault, double rate_limit_rate, int rate_limit_per_s,
                         double stream_duplicate_rate, double stream_delay_rate, int stream_delay_ms,
                         double stream_drop_rate) {
                 F f;
                 f.http_5xx_rate = rate_of(http_5xx_rate, "http_5xx_rate");
                 f.http_5xx_status = http_5xx_status;
                 f.slow_rate = rate_of(slow_rate, "slow_rate");
                 f.slow_ms = millis_of(slow_ms, "slow_ms");
                 f.drop_rate = rate_of(drop_rate, "drop_rate");
                 f.execute_on_fault = rate_of(execute_on_fault, "execute_on_fault");
                 f.rate_limit_rate = rate_of(rate_limit_rate, "rate_limit_rate");
                 f.rate_limit_per_s = std::max(0, rate_limit_per_s);
                 f.stream_duplicate_rate = rate_of(stream_duplicate_rate, "stream_duplicate_rate");
                 f.stream_delay_rate = rate_of(stream_delay_rate, "stream_delay_rate");
                 f.stream_delay_ms = millis_of(stream_delay_ms, "stream_delay_ms");
                 f.stream_drop_rate = rate_of(stream_drop_rate, "stream_drop_rate");
                 return f;
             }),
             py::kw_only(), py::arg("http_5xx_rate") = 0.0, py::arg("http_5xx_status") = 0, py::arg("slow_rate") = 0.0,
             py::arg("slow_ms") = 0, py::arg("drop_rate") = 0.0, py::arg("execute_on_fault") = 0.5,
             py::arg("rate_limit_rate") = 0.0, py::arg("rate_limit_per_s") = 0, py::arg("stream_duplicate_rate") = 0.0,
             py::arg("stream_delay_rate") = 0.0, py::arg("stream_delay_ms") = 0, py::arg("stream_drop_rate") = 0.0,
             "http_5xx_rate: signed requests answered with a 5xx (http_5xx_status, 0: drawn); slow_rate/slow_ms: "
             "answers held back (the action still happens); drop_rate: connections closed unanswered; "
             "execute_on_fault: share of failed order/cancel requests that still act; rate_limit_rate and "
             "rate_limit_per_s: HTTP 429; stream_duplicate_rate, stream_delay_rate/stream_delay_ms (so "
             "reordered), stream_drop_rate: the user stream cut after an event (events lost until reconnect).")
        .def_static("moderate", &bingx_sim::moderate_faults, py::arg("client_request_timeout_ms") = 1000,
                    "Every fault at a modest rate; slow answers take twice the client's request timeout.")
        .def_readonly("http_5xx_rate", &F::http_5xx_rate, "Share of signed requests answered with a 5xx.")
        .def_readonly("http_5xx_status", &F::http_5xx_status, "The 5xx status (0: 500/502/503/504 drawn).")
        .def_readonly("slow_rate", &F::slow_rate, "Share of answers held back slow_ms.")
        .def_readonly("slow_ms", &F::slow_ms, "How long a slow answer is held back.")
        .def_readonly("drop_rate", &F::drop_rate, "Share of connections closed without an answer.")
        .def_readonly("execute_on_fault", &F::execute_on_fault, "Share of failed order/cancel requests that act.")
        .def_readonly("rate_limit_rate", &F::rate_limit_rate, "Share of requests answered 429.")
        .def_readonly("rate_limit_per_s", &F::rate_limit_per_s, "Requests per second beyond which 429 (0: none).")
        .def_readonly("stream_duplicate_rate", &F::stream_duplicate_rate, "Share of stream events sent twice.")
        .def_readonly("stream_delay_rate", &F::stream_delay_rate, "Share of stream events held back.")
        .def_readonly("stream_delay_ms", &F::stream_delay_ms, "How long a delayed stream event is held back.")
        .def_readonly("stream_drop_rate", &F::stream_drop_rate, "Share of stream events after which the stream is cut.")
        .def("__repr__", [](const F& f) {
            return "BingxSimFaults(http_5xx_rate=" + std::to_string(f.http_5xx_rate) +
                   ", slow_rate=" + std::to_string(f.slow_rate) + ", drop_rate=" + std::to_string(f.drop_rate) +
                   ", rate_limit_rate=" + std::to_string(f.rate_limit_rate) +
                   ", stream_duplicate_rate=" + std::to_string(f.stream_duplicate_rate) +
                   ", stream_delay_rate=" + std::to_string(f.stream_delay_rate) +
                   ", stream_drop_rate=" + std::to_string(f.stream_drop_rate) + ", ...)";
        });
}

std::string decimal_text(Decimal value) { return value.to_string(); }

struct SimArgs {
    std::vector<std::string> symbols;
    std::optional<bingx_sim::SimFaults> faults;
    std::uint64_t seed = 1;
    bool hedge_mode = true;
    Decimal mark_price;
    int quantity_precision = 4;
    int price_precision = 1;
    Decimal trade_min_quantity;
    Decimal trade_min_usdt;
    double partial_fill_ratio = 1.0;
    bool reject_entries = false;
    bool reject_exits = false;
    bool cancel_reject = false;
    double taker_fee_rate = 0.0;
    Decimal initial_balance;
    std::optional<Decimal> fill_price;
    bool tls = false;
};

bingx_sim::SimConfig sim_config_of(const SimArgs& a) {
    bingx_sim::SimConfig c;
    c.contracts.clear();
    for (const std::string& asset : a.symbols) {
        const auto symbol = bingx::to_bingx_symbol(asset);
        if (!symbol) throw py::value_error("BingxSimulator.symbols: '" + asset + "' is not a USDT/USDC pair name");
        bingx_sim::SimContract contract;
        contract.symbol = *symbol;
        contract.quantity_precision = a.quantity_precision;
        contract.price_precision = a.price_precision;
        contract.trade_min_quantity = decimal_text(a.trade_min_quantity);
        contract.trade_min_usdt = decimal_text(a.trade_min_usdt);
        contract.mark_price = decimal_text(a.mark_price);
        c.contracts.push_back(contract);
    }
    if (c.contracts.empty()) throw py::value_error("BingxSimulator.symbols: at least one symbol");
    if (a.faults) c.faults = *a.faults;
    c.seed = a.seed;
    c.hedge_mode = a.hedge_mode;
    c.partial_fill_ratio = a.partial_fill_ratio;
    c.reject_entries = a.reject_entries;
    c.reject_exits = a.reject_exits;
    c.cancel_reject = a.cancel_reject;
    c.taker_fee_rate = a.taker_fee_rate;
    c.initial_balance = decimal_text(a.initial_balance);
    if (a.fill_price) c.fill_price = decimal_text(*a.fill_price);
    c.tls = a.tls;
    return c;
}

std::unique_ptr<PyBingxSimulator> start_simulator(const SimArgs& args) {
    std::unique_ptr<PyBingxSimulator> out;
    try {
        out = std::make_unique<PyBingxSimulator>(sim_config_of(args));
    } catch (const std::invalid_argument& error) {
        throw py::value_error(std::string("BingxSimulator: ") + error.what());
    }
    bingx_sim::SimStartResult started;
    {
        py::gil_scoped_release nogil;
        started = out->owned->start();
    }
    if (!started.ok) {
        PyErr_SetString(PyExc_OSError, ("BingxSimulator: start failed: " + started.error).c_str());
        throw py::error_already_set();
    }
    out->rest_url = out->owned->rest_url();
    out->ws_url = out->owned->ws_url();
    out->port = out->owned->port();
    out->certificate_pem = out->owned->tls_certificate_pem();
    return out;
}

void stop_simulator(PyBingxSimulator& self) {
    std::unique_ptr<bingx_sim::Simulator> last = std::move(self.owned);
    py::gil_scoped_release nogil;
    last.reset();
}

py::dict order_dict(const bingx_sim::SimOrder& o) {
    using S = bingx_sim::SimOrder;
    static const FieldList<S> fields{
        DITA_PY_MEMBER(S, symbol), DITA_PY_MEMBER(S, order_id), DITA_PY_MEMBER(S, client_order_id),
        DITA_PY_MEMBER(S, side), DITA_PY_MEMBER(S, position_side), DITA_PY_MEMBER(S, type),
        DITA_PY_MEMBER(S, status), DITA_PY_MEMBER(S, qty), DITA_PY_MEMBER(S, price), DITA_PY_MEMBER(S, executed_qty),
        DITA_PY_MEMBER(S, avg_price), DITA_PY_MEMBER(S, fee), DITA_PY_MEMBER(S, reduce_only)};
    return fields_to_dict(o, fields, true);
}

py::dict sim_stats_dict(const bingx_sim::SimStats& s) {
    using S = bingx_sim::SimStats;
    static const FieldList<S> fields{
        DITA_PY_MEMBER(S, http_requests), DITA_PY_MEMBER(S, signed_requests), DITA_PY_MEMBER(S, auth_failures),
        DITA_PY_MEMBER(S, timestamp_failures), DITA_PY_MEMBER(S, orders_created), DITA_PY_MEMBER(S, orders_rejected),
        DITA_PY_MEMBER(S, duplicate_client_ids), DITA_PY_MEMBER(S, fills), DITA_PY_MEMBER(S, cancels),
        DITA_PY_MEMBER(S, faults_5xx), DITA_PY_MEMBER(S, faults_slow), DITA_PY_MEMBER(S, faults_drop),
        DITA_PY_MEMBER(S, faults_rate_limit), DITA_PY_MEMBER(S, faulted_but_executed),
        DITA_PY_MEMBER(S, stream_events), DITA_PY_MEMBER(S, stream_frames_sent),
        DITA_PY_MEMBER(S, stream_duplicates), DITA_PY_MEMBER(S, stream_delays), DITA_PY_MEMBER(S, stream_drops),
        DITA_PY_MEMBER(S, stream_events_lost), DITA_PY_MEMBER(S, stream_sessions),
        DITA_PY_MEMBER(S, listen_keys_created), DITA_PY_MEMBER(S, listen_keys_expired)};
    return fields_to_dict(s, fields, true);
}

constexpr const char* simulator_doc =
    "A local BingX USDT-M swap simulator on 127.0.0.1 (a free port): REST and the user-data stream, "
    "checking keys, signatures and timestamps as the exchange does, filling MARKET orders at "
    "fill_price, else the order's price, else the mark price, with configurable faults. It starts in "
    "the constructor; close() (or leaving a with block) stops it. adapter_options() gives the "
    "keyword arguments a BingxVenueAdapter needs to trade on it.";

void bind_simulator_core(py::class_<PyBingxSimulator>& cls) {
    cls.def(py::init([](std::vector<std::string> symbols, std::optional<bingx_sim::SimFaults> faults, std::uint64_t seed,
                        bool hedge_mode, Decimal mark_price, int quantity_precision, int price_precision,
                        Decimal trade_min_quantity, Decimal trade_min_usdt, double partial_fill_ratio,
                        bool reject_entries, bool reject_exits, bool cancel_reject, double taker_fee_rate,
                        Decimal initial_balance, std::optional<Decimal> fill_price, bool tls) {
                return start_simulator(SimArgs{std::move(symbols), faults, seed, hedge_mode, mark_price,
                                               quantity_precision, price_precision, trade_min_quantity, trade_min_usdt,
                                               partial_fill_ratio, reject_entries, reject_exits, cancel_reject,
                                               taker_fee_rate, initial_balance, fill_price, tls});
            }),
            py::kw_only(), py::arg("symbols") = std::vector<std::string>{"BTCUSDT"}, py::arg("faults") = py::none(),
            py::arg("seed") = 1, py::arg("hedge_mode") = true, py::arg("mark_price") = 50000.0,
            py::arg("quantity_precision") = 4, py::arg("price_precision") = 1, py::arg("trade_min_quantity") = 0.0001,
            py::arg("trade_min_usdt") = 2.0, py::arg("partial_fill_ratio") = 1.0, py::arg("reject_entries") = false,
            py::arg("reject_exits") = false, py::arg("cancel_reject") = false, py::arg("taker_fee_rate") = 0.0005,
            py::arg("initial_balance") = 100000.0, py::arg("fill_price") = py::none(), py::arg("tls") = false,
            "symbols: kernel asset names (one contract each, with the precisions, minimums and mark price "
            "given); faults: a BingxSimFaults (None: none); seed: the fault PRNG's; hedge_mode: LONG/SHORT "
            "position sides (False: one-way); partial_fill_ratio: share of a MARKET order filled at once; "
            "reject_entries/reject_exits/cancel_reject: refuse those; initial_balance in USDT; tls: "
            "https/wss with a self-signed certificate (adapter_options() passes it as the trust anchor).");
    cls.def_property_readonly("rest_url", [](PyBingxSimulator& self) { return self.rest_url; },
                              "http(s)://127.0.0.1:<port>");
    cls.def_property_readonly("ws_url", [](PyBingxSimulator& self) { return self.ws_url; },
                              "ws(s)://127.0.0.1:<port>/swap-market");
    cls.def_property_readonly("port", [](PyBingxSimulator& self) { return self.port; }, "The port it serves on.");
    cls.def_property_readonly("api_key", [](PyBingxSimulator& self) { return self.config.api_key; },
                              "The key it accepts (a test key, not a secret).");
    cls.def_property_readonly("api_secret", [](PyBingxSimulator& self) { return self.config.api_secret; },
                              "The secret it signs with (a test secret).");
    cls.def_property_readonly("tls_certificate_pem", [](PyBingxSimulator& self) { return self.certificate_pem; },
                              "Its certificate (PEM) with tls=True, else ''.");
    cls.def_property_readonly("position_mode", [](PyBingxSimulator& self) {
        return std::string(self.config.hedge_mode ? "HEDGE" : "ONE_WAY");
    }, "'HEDGE' or 'ONE_WAY'.");
    cls.def_property_readonly("running", [](PyBingxSimulator& self) { return self.owned != nullptr; }, "Whether it serves.");
    cls.def("adapter_options", [](PyBingxSimulator& self) {
        py::dict d;
        d["base_url"] = self.rest_url;
        d["stream_url"] = self.ws_url;
        d["api_key"] = self.config.api_key;
        d["api_secret"] = self.config.api_secret;
        d["position_mode"] = self.config.hedge_mode ? "HEDGE" : "ONE_WAY";
        if (self.config.tls) d["tls_ca_pem"] = self.certificate_pem;
        return d;
    }, "The keyword arguments a BingxVenueAdapter needs to trade here: base_url, stream_url, api_key, "
       "api_secret, position_mode, and tls_ca_pem with TLS.");
    cls.def("close", [](PyBingxSimulator& self) {
        stop_simulator(self);
    }, "Stops serving, closes every connection and stops its threads. Idempotent.");
    cls.def("__enter__", [](PyBingxSimulator& self) -> PyBingxSimulator& { return self; }, py::return_value_policy::reference, "Returns the simulator.");
    cls.def("__exit__", [](PyBingxSimulator& self, py::object, py::object, py::object) {
        stop_simulator(self);
    }, py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"), "close().");
    cls.def("__repr__", [](PyBingxSimulator& self) {
        return "BingxSimulator(rest_url='" + self.rest_url + "', ws_url='" + self.ws_url + "'" +
               (self.owned ? ")" : ", closed)");
    });
}

void bind_simulator_control(py::class_<PyBingxSimulator>& cls) {
    cls.def("set_faults", [](PyBingxSimulator& self, const bingx_sim::SimFaults& faults) { self.sim().set_faults(faults); },
            py::arg("faults"), "Replaces the faults (BingxSimFaults() turns them off).");
    cls.def("set_fill_price", [](PyBingxSimulator& self, std::optional<Decimal> price) {
        self.sim().set_fill_price(price ? price->to_string() : std::string());
    }, py::arg("price"), "MARKET orders fill here from now on (None: the order's price, else the mark).");
    cls.def("set_partial_fill_ratio", [](PyBingxSimulator& self, double ratio) {
        if (!(ratio >= 0.0 && ratio <= 1.0)) throw py::value_error("partial_fill_ratio must be from 0 to 1");
        self.sim().set_partial_fill_ratio(ratio);
    }, py::arg("ratio"), "Share of a MARKET order filled at once; the rest stays working.");
    cls.def("set_rejects", [](PyBingxSimulator& self, bool entries, bool exits, int code) {
        self.sim().set_rejects(entries, exits, code);
    }, py::arg("entries"), py::arg("exits"), py::arg("code") = 101204, "Refuse entries and/or exits with code.");
    cls.def("set_cancel_reject", [](PyBingxSimulator& self, bool on) { self.sim().set_cancel_reject(on); },
            py::arg("on"), "Refuse cancels.");
    cls.def("set_mark_price", [](PyBingxSimulator& self, const std::string& symbol, Decimal price) {
        return self.sim().set_mark_price(symbol, price.to_string());
    }, py::arg("symbol"), py::arg("price"), "Sets a contract's mark price (symbol as BTC-USDT); False if unknown.");
    cls.def("fill_working", [](PyBingxSimulator& self, const std::string& client_order_id, Decimal qty, Decimal price) {
        return self.sim().fill_working(client_order_id, qty.to_string(), price.to_string());
    }, py::arg("client_order_id"), py::arg("qty"), py::arg("price"),
       "Fills part of a working order (a resting order meeting the market); False if none.");
    cls.def("expire_listen_keys", [](PyBingxSimulator& self) { self.sim().expire_listen_keys(); },
            "Pushes listenKeyExpired on every stream and invalidates every key.");
    cls.def("drop_streams", [](PyBingxSimulator& self) { self.sim().drop_streams(); },
            "Cuts every user-stream connection (events until the client reconnects are lost).");
    cls.def("stats", [](PyBingxSimulator& self) { return sim_stats_dict(self.sim().stats()); },
            "Counters: requests, orders, fills, faults injected, stream events and sessions.");
    cls.def("orders", [](PyBingxSimulator& self) {
        py::list out;
        for (const bingx_sim::SimOrder& o : self.sim().orders()) out.append(order_dict(o));
        return out;
    }, "Every order it holds, as dicts.");
    cls.def("positions", [](PyBingxSimulator& self) {
        py::list out;
        for (const bingx_sim::SimPosition& p : self.sim().positions()) {
            py::dict d;
            d["symbol"] = p.symbol;
            d["position_side"] = p.position_side;
            d["amount"] = decimal_to_py(p.amount);
            d["avg_price"] = decimal_to_py(p.avg_price);
            out.append(d);
        }
        return out;
    }, "Open positions, as dicts (amount signed in one-way mode).");
    cls.def_property_readonly("open_streams", [](PyBingxSimulator& self) { return self.sim().open_streams(); },
                              "User-stream connections now open.");
}

} // namespace

void bind_bingx_simulator(py::module_& m) {
    bind_faults(m);
    py::class_<PyBingxSimulator> cls(m, "BingxSimulator", simulator_doc);
    bind_simulator_core(cls);
    bind_simulator_control(cls);
}

} // namespace dita::py_binding
