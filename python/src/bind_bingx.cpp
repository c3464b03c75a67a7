// dita.BingxVenueAdapter, dita.BingxSimulator and dita.BingxSimFaults.
//
// The live guard is the CLI's (`dita chaos --venue bingx --live --max-qty --max-notional`): a
// host that is not loopback is refused unless live=True and both caps are positive. Whether a
// host is loopback is the adapter's own judgement: it is built first without the live opt-in
// (no network activity), and only a refusal that the opt-in lifts means "a real host".
#include <pybind11/stl.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "bingx_object.hpp"
#include "fields.hpp"

namespace dita::py_binding {

// ---------------------------------------------------------------------------------------
// ClosableBingx: forwards until closed.

namespace {

constexpr std::string_view closed_detail = "BingxVenueAdapter is closed";

VenueCallResult refused() {
    VenueCallResult out;
    out.status = VenueCallStatus::UNAVAILABLE;
    out.detail = std::string(closed_detail);
    return out;
}

template <typename T>
VenueQuery<T> refused_query() {
    VenueQuery<T> out;
    out.status = VenueCallStatus::UNAVAILABLE;
    out.detail = std::string(closed_detail);
    return out;
}

} // namespace

std::optional<InstrumentSpec> ClosableBingx::instrument(std::string_view asset) const {
    const auto a = adapter();
    return a ? a->instrument(asset) : std::nullopt;
}
VenueCallResult ClosableBingx::submit_order(const OrderRequest& request) {
    const auto a = adapter();
    return a ? a->submit_order(request) : refused();
}
VenueCallResult ClosableBingx::cancel_order(const CancelRequest& request) {
    const auto a = adapter();
    return a ? a->cancel_order(request) : refused();
}
void ClosableBingx::drain_events(EventSink& sink) {
    if (const auto a = adapter()) a->drain_events(sink);
}
VenueQuery<std::optional<VenueOrder>> ClosableBingx::query_order(std::string_view asset,
                                                                 std::string_view client_order_id) {
    const auto a = adapter();
    return a ? a->query_order(asset, client_order_id) : refused_query<std::optional<VenueOrder>>();
}
VenueQuery<std::vector<VenueOrder>> ClosableBingx::open_orders(std::string_view asset) {
    const auto a = adapter();
    return a ? a->open_orders(asset) : refused_query<std::vector<VenueOrder>>();
}
VenueQuery<std::vector<VenuePosition>> ClosableBingx::positions(std::string_view asset) {
    const auto a = adapter();
    return a ? a->positions(asset) : refused_query<std::vector<VenuePosition>>();
}
PositionMode ClosableBingx::position_mode() const {
    const auto a = adapter();
    std::lock_guard lock(mutex_);
    // Closed: the mode it had, so a kernel outliving close() does not see the account change.
    if (a) last_mode_ = a->position_mode();
    return last_mode_;
}
VenueQuery<std::vector<VenueEvent>> ClosableBingx::venue_moves(std::string_view asset) {
    const auto a = adapter();
    return a ? a->venue_moves(asset) : refused_query<std::vector<VenueEvent>>();
}
void ClosableBingx::close() {
    std::shared_ptr<bingx::BingxVenueAdapter> last;
    {
        std::lock_guard lock(mutex_);
        last.swap(adapter_);
    }
    if (last) last->stop();
    // `last` goes here: the adapter is destroyed (threads joined) unless a wait still holds it.
}

PyBingxVenue::PyBingxVenue(std::unique_ptr<bingx::BingxVenueAdapter> adapter, const bingx::BingxConfig& config)
    : venue(std::move(adapter)), rest_url(config.rest_url), ws_url(config.ws_url),
      key_hint(config.credentials.redacted_key()), symbols(config.assets), position_mode(config.position_mode),
      live(config.allow_live), order_qty_max(config.order_qty_max), order_notional_max(config.order_notional_max) {}

namespace {

// ---------------------------------------------------------------------------------------
// Building an adapter.

struct AdapterArgs {
    std::optional<std::string> base_url;
    std::optional<std::string> stream_url;
    std::optional<std::string> api_key;
    std::optional<std::string> api_secret;
    std::vector<std::string> symbols;
    std::string position_mode;
    int recv_window_ms = 0;
    int request_timeout_ms = 0;
    int call_timeout_ms = 0;
    bool live = false;
    std::optional<Decimal> order_qty_max;
    std::optional<Decimal> order_notional_max;
    bool send_price_with_market = false;
    std::optional<std::string> tls_ca_pem;
    std::optional<std::string> tls_ca_file;
    int ws_handshake_timeout_ms = 0;
    int ws_idle_timeout_ms = 0;
};

// The stream URL BingX pairs with a REST URL (bingx::stream_url_for: the known hosts' own, a
// loopback host's same port); empty when there is none.
std::string stream_url_of(const std::string& rest_url) {
    auto derived = bingx::stream_url_for(rest_url);
    if (!derived.ok()) return {};
    return *derived;
}

bingx::Credentials credentials_of(const AdapterArgs& args) {
    if (args.api_key.has_value() != args.api_secret.has_value()) {
        throw py::value_error("BingxVenueAdapter: give both api_key and api_secret, or neither (then "
                              "BINGX_API_KEY and BINGX_API_SECRET are read)");
    }
    if (args.api_key) {
        if (args.api_key->empty() || args.api_secret->empty()) {
            throw py::value_error("BingxVenueAdapter: api_key and api_secret must not be empty");
        }
        return bingx::Credentials(*args.api_key, *args.api_secret);
    }
    const bingx::CredentialsResult from_env = bingx::credentials_from_env();
    if (!from_env.ok()) throw py::value_error("BingxVenueAdapter: " + from_env.error().detail);
    return *from_env;
}

dita::PositionMode position_mode_of(const std::string& text) {
    if (text == "HEDGE") return dita::PositionMode::HEDGE;
    if (text == "ONE_WAY") return dita::PositionMode::ONE_WAY;
    throw py::value_error("BingxVenueAdapter.position_mode: '" + text + "' is not HEDGE or ONE_WAY");
}

Decimal cap_of(const std::optional<Decimal>& cap, const char* name) {
    if (!cap) return Decimal{};
    if (!cap->is_positive()) {
        throw py::value_error(std::string("BingxVenueAdapter.") + name + " must be positive (None: no cap)");
    }
    return *cap;
}

[[noreturn]] void raise_live_refused(const std::string& detail) {
    PyErr_SetString(PyExc_PermissionError, detail.c_str());
    throw py::error_already_set();
}

// A host that is not loopback is a real exchange: it needs the opt-in and both caps.
void require_live_opt_in(const bingx::BingxConfig& config, bool live) {
    if (!live) {
        raise_live_refused("BingxVenueAdapter: " + config.rest_url +
                           " is a real BingX host: trading there needs live=True and both caps "
                           "(order_qty_max, order_notional_max)");
    }
    if (!config.order_qty_max.is_positive() || !config.order_notional_max.is_positive()) {
        raise_live_refused("BingxVenueAdapter: live=True needs positive order_qty_max and order_notional_max "
                           "(every order above either is refused locally)");
    }
}

bingx::BingxConfig config_of(const AdapterArgs& args) {
    bingx::BingxConfig config;
    config.rest_url = args.base_url.value_or(std::string(bingx::live_rest_url));
    config.ws_url = args.stream_url ? *args.stream_url : stream_url_of(config.rest_url);
    const bool stream_unknown = config.ws_url.empty();
    config.credentials = credentials_of(args);
    if (args.symbols.empty()) throw py::value_error("BingxVenueAdapter.symbols: at least one symbol");
    config.assets = args.symbols;
    config.position_mode = position_mode_of(args.position_mode);
    config.recv_window_ms = args.recv_window_ms;
    config.request_timeout_ms = args.request_timeout_ms;
    config.call_timeout_ms = args.call_timeout_ms;
    config.order_qty_max = cap_of(args.order_qty_max, "order_qty_max");
    config.order_notional_max = cap_of(args.order_notional_max, "order_notional_max");
    config.send_price_with_market = args.send_price_with_market;
    if (args.tls_ca_pem) config.tls_ca_pem = *args.tls_ca_pem;
    if (args.tls_ca_file) config.tls_ca_file = *args.tls_ca_file;
    if (args.ws_handshake_timeout_ms <= 0 || args.ws_idle_timeout_ms <= 0) {
        throw py::value_error("BingxVenueAdapter: ws_handshake_timeout_ms and ws_idle_timeout_ms must be positive");
    }
    config.ws_handshake_timeout_ms = args.ws_handshake_timeout_ms;
    config.ws_idle_timeout_ms = args.ws_idle_timeout_ms;
    if (stream_unknown) {
        // Only a host that is not loopback has no derivable stream: the live guard speaks first,
        // so a refused real host never reads as a configuration slip.
        require_live_opt_in(config, args.live);
        throw py::value_error("BingxVenueAdapter.base_url: no known stream host for " + config.rest_url +
                              ": give the stream URL (stream_url)");
    }
    return config;
}


[[noreturn]] void raise_unavailable_error(const std::string& detail) {
    PyErr_SetString(venue_unavailable_error(), detail.c_str());
    throw py::error_already_set();
}

// Constructs (no network) under the live guard; std::invalid_argument becomes ValueError.
std::unique_ptr<bingx::BingxVenueAdapter> guarded_adapter(bingx::BingxConfig& config, bool live) {
    config.allow_live = false;
    try {
        return std::make_unique<bingx::BingxVenueAdapter>(config);
    } catch (const std::invalid_argument&) {
        // Either a bad config or a host that is not loopback: only the latter passes with the opt-in.
    }
    config.allow_live = true;
    auto adapter = std::make_unique<bingx::BingxVenueAdapter>(config); // a bad config throws here
    require_live_opt_in(config, live);
    return adapter;
}

std::unique_ptr<PyBingxVenue> make_venue(const AdapterArgs& args) {
    bingx::BingxConfig config = config_of(args);
    std::unique_ptr<bingx::BingxVenueAdapter> adapter;
    try {
        adapter = guarded_adapter(config, args.live);
    } catch (const std::invalid_argument& error) {
        throw py::value_error(error.what());
    }
    std::optional<bingx::StartResult> started;
    {
        py::gil_scoped_release nogil;
        started.emplace(adapter->start());
        if (!started->ok()) adapter->stop();
    }
    if (!started->ok()) raise_unavailable_error("BingxVenueAdapter: start failed: " + started->error().detail);
    return std::make_unique<PyBingxVenue>(std::move(adapter), config);
}

// ---------------------------------------------------------------------------------------
// Calls from Python: the venue's guard held (shared with a kernel using it), the GIL released.

[[noreturn]] void raise_closed() { raise_unavailable_error(std::string(closed_detail)); }

template <typename F>
auto venue_call(PyBingxVenue& self, F&& f) -> decltype(f(self.venue)) {
    AccessLock lock(self.guards());
    if (self.venue.closed()) raise_closed();
    py::gil_scoped_release nogil;
    return f(self.venue);
}

template <typename F>
auto adapter_call(PyBingxVenue& self, F&& f) -> decltype(f(*self.venue.adapter())) {
    AccessLock lock(self.guards());
    const auto adapter = self.venue.adapter();
    if (!adapter) raise_closed();
    py::gil_scoped_release nogil;
    return f(*adapter);
}

// For the adapter's thread-safe calls (waits, counters): no guard, so a kernel call on another
// thread is not held up by a wait.
std::shared_ptr<bingx::BingxVenueAdapter> open_adapter(PyBingxVenue& self) {
    auto adapter = self.venue.adapter();
    if (!adapter) raise_closed();
    return adapter;
}

// UNKNOWN (no answer) is a timeout; anything else that is not an answer is "unavailable".
template <typename T>
T unwrap(VenueQuery<T>&& answer) {
    if (answer.ok()) return std::move(answer.value);
    if (answer.status == VenueCallStatus::UNKNOWN) {
        PyErr_SetString(venue_timeout_error(), answer.detail.c_str());
        throw py::error_already_set();
    }
    raise_unavailable_error(answer.detail);
}

py::dict balance_dict(const bingx::BingxBalance& b) {
    using S = bingx::BingxBalance;
    static const FieldList<S> fields{
        DITA_PY_MEMBER(S, asset), DITA_PY_MEMBER(S, balance), DITA_PY_MEMBER(S, equity),
        DITA_PY_MEMBER(S, unrealized_profit), DITA_PY_MEMBER(S, realised_profit),
        DITA_PY_MEMBER(S, available_margin), DITA_PY_MEMBER(S, used_margin), DITA_PY_MEMBER(S, freezed_margin)};
    return fields_to_dict(b, fields, true);
}

py::dict adapter_stats_dict(const bingx::BingxAdapterStats& s) {
    using S = bingx::BingxAdapterStats;
    static const FieldList<S> fields{
        DITA_PY_MEMBER(S, rest_calls), DITA_PY_MEMBER(S, rest_failures), DITA_PY_MEMBER(S, orders_sent),
        DITA_PY_MEMBER(S, orders_resolved_by_query), DITA_PY_MEMBER(S, rate_limited),
        DITA_PY_MEMBER(S, stream_messages), DITA_PY_MEMBER(S, stream_order_updates),
        DITA_PY_MEMBER(S, stream_duplicates), DITA_PY_MEMBER(S, stream_parse_errors),
        DITA_PY_MEMBER(S, pings_answered), DITA_PY_MEMBER(S, stream_connects), DITA_PY_MEMBER(S, stream_disconnects),
        DITA_PY_MEMBER(S, listen_keys_created), DITA_PY_MEMBER(S, listen_key_expiries), DITA_PY_MEMBER(S, catch_ups),
        DITA_PY_MEMBER(S, catch_up_queries), DITA_PY_MEMBER(S, events_queued), DITA_PY_MEMBER(S, events_coalesced),
        DITA_PY_MEMBER(S, time_resyncs)};
    return fields_to_dict(s, fields, true);
}

std::string venue_repr(const PyBingxVenue& self) {
    std::string out = "BingxVenueAdapter(base_url='" + self.rest_url + "', stream_url='" + self.ws_url +
                      "', key='" + self.key_hint + "', symbols=[";
    for (std::size_t i = 0; i < self.symbols.size(); ++i) out += (i ? ", '" : "'") + self.symbols[i] + "'";
    out += std::string("], position_mode='") +
           (self.position_mode == dita::PositionMode::HEDGE ? "HEDGE" : "ONE_WAY") + "'";
    if (self.live) {
        out += ", live=True, order_qty_max=" + self.order_qty_max.to_string() +
               ", order_notional_max=" + self.order_notional_max.to_string();
    }
    return out + (self.venue.closed() ? ", closed)" : ")");
}

constexpr const char* adapter_doc =
    "BingX USDT-M perpetual swaps as a dita venue: signed REST plus the user-data WebSocket stream, "
    "run by the C++ adapter on its own threads. Pass it to ExecutionKernel(..., venue=...) like a "
    "MockVenueAdapter.\n\n"
    "Keys come from api_key/api_secret or else BINGX_API_KEY/BINGX_API_SECRET; neither the secret nor "
    "the full key is ever shown. A host that is not loopback (the real exchange or its demo) is refused "
    "with PermissionError unless live=True and both caps (order_qty_max, order_notional_max) are set; "
    "an order above a cap is rejected locally. The constructor connects (syncs the clock, loads the "
    "symbols' contracts, opens the stream) and raises VenueUnavailableError if it cannot. Every call "
    "that waits on the network releases the GIL. close() (or leaving a with block) stops its threads; "
    "a kernel still using it then gets UNAVAILABLE for every venue call.";

void bind_adapter_core(py::class_<PyBingxVenue>& cls) {
    cls.def(py::init([](std::optional<std::string> base_url, std::optional<std::string> stream_url,
                        std::optional<std::string> api_key, std::optional<std::string> api_secret,
                        std::vector<std::string> symbols, std::string position_mode, int recv_window_ms,
                        int request_timeout_ms, int call_timeout_ms, bool live, std::optional<Decimal> order_qty_max,
                        std::optional<Decimal> order_notional_max, bool send_price_with_market,
                        std::optional<std::string> tls_ca_pem, std::optional<std::string> tls_ca_file,
                        int ws_handshake_timeout_ms, int ws_idle_timeout_ms) {
                AdapterArgs args{std::move(base_url), std::move(stream_url), std::move(api_key), std::move(api_secret),
                                 std::move(symbols), std::move(position_mode), recv_window_ms, request_timeout_ms,
                                 call_timeout_ms, live, order_qty_max, order_notional_max, send_price_with_market,
                                 std::move(tls_ca_pem), std::move(tls_ca_file), ws_handshake_timeout_ms,
                                 ws_idle_timeout_ms};
                return make_venue(args);
            }),
            py::kw_only(), py::arg("base_url") = py::none(), py::arg("stream_url") = py::none(),
            py::arg("api_key") = py::none(), py::arg("api_secret") = py::none(),
            py::arg("symbols") = std::vector<std::string>{"BTCUSDT"}, py::arg("position_mode") = "HEDGE",
            py::arg("recv_window_ms") = 5000, py::arg("request_timeout_ms") = 3000, py::arg("call_timeout_ms") = 10000,
            py::arg("live") = false, py::arg("order_qty_max") = py::none(), py::arg("order_notional_max") = py::none(),
            py::arg("send_price_with_market") = false, py::arg("tls_ca_pem") = py::none(),
            py::arg("tls_ca_file") = py::none(), py::arg("ws_handshake_timeout_ms") = 5000,
            py::arg("ws_idle_timeout_ms") = 30000,
            "base_url: REST root (default: the real exchange, https://open-api.bingx.com); stream_url: the "
            "user-data WebSocket (default: the host's own, or the same host and port with ws(s):// and "
            "/swap-market); symbols: kernel asset names (BTCUSDT, mapped to BTC-USDT); position_mode: "
            "'HEDGE' or 'ONE_WAY', as the account is set; recv_window_ms, request_timeout_ms (one HTTP "
            "exchange), call_timeout_ms (one venue call, retries included); live and the caps: see the "
            "class; send_price_with_market: send the intent's price with MARKET orders (the simulator then "
            "fills there); tls_ca_pem / tls_ca_file: extra trust anchors (PEM text / a file; e.g. a TLS simulator's "
            "certificate); ws_handshake_timeout_ms, ws_idle_timeout_ms: the stream's connect timeout and how long "
            "without a frame before it reconnects.");
    cls.def("name", [](PyBingxVenue&) { return std::string("bingx"); }, "'bingx'.");
    cls.def("instrument", [](PyBingxVenue& self, const std::string& asset) {
        return venue_call(self, [&](ClosableBingx& v) { return v.instrument(asset); });
    }, py::arg("asset"), "Trading rules of asset as loaded from the exchange, or None if not configured.");
    cls.def("submit_order", [](PyBingxVenue& self, const OrderRequest& request) {
        return venue_call(self, [&](ClosableBingx& v) { return v.submit_order(request); });
    }, py::arg("request"), "Places an order (caps checked first). UNKNOWN: no answer, the order may exist.");
    cls.def("cancel_order", [](PyBingxVenue& self, const CancelRequest& request) {
        return venue_call(self, [&](ClosableBingx& v) { return v.cancel_order(request); });
    }, py::arg("request"), "Cancels an order by client order id.");
    cls.def("drain_events", [](PyBingxVenue& self) {
        class Collect final : public EventSink {
        public:
            void deliver(const VenueEvent& event) override { events.push_back(event); }
            std::vector<VenueEvent> events;
        } sink;
        venue_call(self, [&](ClosableBingx& v) { v.drain_events(sink); return 0; });
        return sink.events;
    }, "Takes every queued event (a kernel using this venue will then not see them).");
    cls.def("query_order", [](PyBingxVenue& self, const std::string& asset, const std::string& client_order_id) {
        return unwrap(venue_call(self, [&](ClosableBingx& v) { return v.query_order(asset, client_order_id); }));
    }, py::arg("asset"), py::arg("client_order_id"),
       "The exchange's view of one order, or None if it never had it. VenueTimeoutError: no answer.");
    cls.def("open_orders", [](PyBingxVenue& self, const std::string& asset) {
        return unwrap(venue_call(self, [&](ClosableBingx& v) { return v.open_orders(asset); }));
    }, py::arg("asset"), "Orders still working at the exchange.");
    cls.def("positions", [](PyBingxVenue& self, const std::string& asset) {
        return unwrap(venue_call(self, [&](ClosableBingx& v) { return v.positions(asset); }));
    }, py::arg("asset"), "Net positions at the exchange.");
}

void bind_adapter_rest(py::class_<PyBingxVenue>& cls) {
    cls.def("cancel_all", [](PyBingxVenue& self, const std::string& asset) {
        return unwrap(adapter_call(self, [&](bingx::BingxVenueAdapter& a) { return a.cancel_all(asset); }));
    }, py::arg("asset"), "Cancels every open order of asset; returns them.");
    cls.def("balance", [](PyBingxVenue& self) {
        return balance_dict(unwrap(adapter_call(self, [](bingx::BingxVenueAdapter& a) { return a.balance(); })));
    }, "The account: {asset, balance, equity, unrealized_profit, realised_profit, available_margin, "
       "used_margin, freezed_margin}.");
    cls.def("leverage", [](PyBingxVenue& self, const std::string& asset) {
        const bingx::BingxLeverage l = unwrap(adapter_call(self, [&](bingx::BingxVenueAdapter& a) { return a.leverage(asset); }));
        return py::make_tuple(l.long_leverage, l.short_leverage);
    }, py::arg("asset"), "(long leverage, short leverage) of asset.");
    cls.def("mark_price", [](PyBingxVenue& self, const std::string& asset) {
        return unwrap(adapter_call(self, [&](bingx::BingxVenueAdapter& a) { return a.mark_price(asset); }));
    }, py::arg("asset"), "The exchange's mark price of asset.");
    cls.def("poll_mark_price", [](PyBingxVenue& self, const std::string& asset) {
        return unwrap(adapter_call(self, [&](bingx::BingxVenueAdapter& a) { return a.poll_mark_price(asset); }));
    }, py::arg("asset"), "Reads the mark price and queues a MARK_PRICE event for the kernel.");
    cls.def("server_time_ms", [](PyBingxVenue& self) {
        return unwrap(adapter_call(self, [](bingx::BingxVenueAdapter& a) { return a.server_time_ms(); }));
    }, "The exchange's clock, in milliseconds since the epoch.");
}

// Waits and counters are thread-safe on the adapter: no guard. The GIL is released while waiting.
void bind_adapter_state(py::class_<PyBingxVenue>& cls) {
    cls.def("wait_for_events", [](PyBingxVenue& self, int timeout_ms) {
        const auto adapter = open_adapter(self);
        py::gil_scoped_release nogil;
        return adapter->wait_for_events(std::chrono::milliseconds(std::max(0, timeout_ms)));
    }, py::arg("timeout_ms"), "Blocks until an event is queued or timeout_ms passes; True when events wait.");
    cls.def("wait_quiet", [](PyBingxVenue& self, int quiet_ms, int timeout_ms) {
        const auto adapter = open_adapter(self);
        py::gil_scoped_release nogil;
        return adapter->wait_quiet(std::chrono::milliseconds(std::max(0, quiet_ms)),
                                   std::chrono::milliseconds(std::max(0, timeout_ms)));
    }, py::arg("quiet_ms") = 100, py::arg("timeout_ms") = 15000,
       "Blocks until the adapter is at rest (stream up, no catch-up due, no order's fate or fee still "
       "being found out, no event for quiet_ms); False if timeout_ms passes first. Then "
       "ExecutionKernel.pump_venue() applies what arrived.");
    cls.def_property_readonly("pending_events", [](PyBingxVenue& self) -> std::size_t {
        const auto adapter = self.venue.adapter();
        return adapter ? adapter->pending_events() : 0;
    }, "Events queued for the next drain (0 once closed).");
    cls.def_property_readonly("stream_connected", [](PyBingxVenue& self) {
        const auto adapter = self.venue.adapter();
        return adapter && adapter->stream_connected();
    }, "Whether the user-data stream is up.");
    cls.def_property_readonly("clock_offset_ms", [](PyBingxVenue& self) { return open_adapter(self)->clock_offset_ms(); },
                              "Server time minus local time, as last measured.");
    cls.def("stats", [](PyBingxVenue& self) { return adapter_stats_dict(open_adapter(self)->stats()); },
            "Counters of REST calls, stream messages, reconnects and catch-ups.");
    cls.def("close", [](PyBingxVenue& self) {
        AccessLock lock(self.guards());
        py::gil_scoped_release nogil;
        self.venue.close();
    }, "Closes the stream and stops the adapter's threads (bounded). Idempotent.");
    cls.def_property_readonly("closed", [](PyBingxVenue& self) { return self.venue.closed(); }, "Whether close() ran.");
    cls.def("__enter__", [](PyBingxVenue& self) -> PyBingxVenue& { return self; }, py::return_value_policy::reference, "Returns the adapter.");
    cls.def("__exit__", [](PyBingxVenue& self, py::object, py::object, py::object) {
        AccessLock lock(self.guards());
        py::gil_scoped_release nogil;
        self.venue.close();
    }, py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"), "close().");
    cls.def("__repr__", [](PyBingxVenue& self) { return venue_repr(self); });
}

void bind_adapter_properties(py::class_<PyBingxVenue>& cls) {
    cls.def_property_readonly("base_url", [](PyBingxVenue& self) { return self.rest_url; }, "REST root.");
    cls.def_property_readonly("stream_url", [](PyBingxVenue& self) { return self.ws_url; }, "User-data stream URL.");
    cls.def_property_readonly("api_key_hint", [](PyBingxVenue& self) { return self.key_hint; },
                              "The API key's last four characters ('…abcd').");
    cls.def_property_readonly("symbols", [](PyBingxVenue& self) { return self.symbols; }, "Configured assets.");
    cls.def_property_readonly("position_mode", [](PyBingxVenue& self) {
        return std::string(self.position_mode == dita::PositionMode::HEDGE ? "HEDGE" : "ONE_WAY");
    }, "'HEDGE' or 'ONE_WAY'.");
    cls.def_property_readonly("live", [](PyBingxVenue& self) { return self.live; },
                              "Whether the live opt-in was needed and given (a real host).");
    cls.def_property_readonly("order_qty_max", [](PyBingxVenue& self) -> std::optional<Decimal> {
        if (self.order_qty_max.is_positive()) return self.order_qty_max;
        return std::nullopt;
    }, "Size cap per order, or None.");
    cls.def_property_readonly("order_notional_max", [](PyBingxVenue& self) -> std::optional<Decimal> {
        if (self.order_notional_max.is_positive()) return self.order_notional_max;
        return std::nullopt;
    }, "Notional cap per order, or None.");
}

} // namespace

void bind_bingx_simulator(py::module_& m); // bind_bingx_sim.cpp

void bind_bingx(py::module_& m) {
    py::class_<PyBingxVenue> cls(m, "BingxVenueAdapter", adapter_doc);
    bind_adapter_core(cls);
    bind_adapter_rest(cls);
    bind_adapter_state(cls);
    bind_adapter_properties(cls);
    bind_bingx_simulator(m);
}

} // namespace dita::py_binding
