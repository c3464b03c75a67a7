// Clocks, control plane, zinc plane and the mock venue.
#include <initializer_list>

#include "components.hpp"
#include "typed.hpp"
#include "dita/zinc/sqlite_zinc_plane.hpp"

namespace dita::py_binding {

namespace {

// Reads named fields from a dataclass-like object (missing attributes keep their defaults)
// or from a mapping (unknown keys are an error: they are typos, not extensions).
class FieldSource {
public:
    FieldSource(py::handle obj, const char* type, std::initializer_list<const char*> known) : obj_(obj), type_(type) {
        static PyObject* mapping_type = py::object(py::module_::import("collections.abc").attr("Mapping")).release().ptr();
        mapping_ = PyDict_Check(obj.ptr()) || PyObject_IsInstance(obj.ptr(), mapping_type) == 1;
        if (!mapping_) return;
        for (auto item : py::dict(py::reinterpret_borrow<py::object>(obj))) {
            const std::string key = py::str(item.first).cast<std::string>();
            bool found = false;
            for (const char* name : known) found = found || key == name;
            if (!found) throw py::type_error(std::string(type) + " has no field '" + key + "'");
        }
    }

    // Null when the field is absent.
    py::object get(const char* name) const {
        if (mapping_) {
            py::dict dict(py::reinterpret_borrow<py::object>(obj_));
            if (!dict.contains(name)) return py::object();
            return dict[name];
        }
        if (!PyObject_HasAttrString(obj_.ptr(), name)) return py::object();
        return obj_.attr(name);
    }
    std::string where(const char* name) const { return std::string(type_) + "." + name; }

private:
    py::handle obj_;
    const char* type_;
    bool mapping_ = false;
};

} // namespace

// Keep in step with dita::MockVenueScenario: the size check fails the build when a field is
// added there, so it cannot be forgotten here and in python/dita/mock_venue.py.
static_assert(sizeof(MockVenueScenario) == 296, "MockVenueScenario changed: update scenario_fields() and "
                                                 "python/dita/mock_venue.py");

const FieldList<MockVenueScenario>& scenario_fields() {
    static const FieldList<MockVenueScenario> fields = [] {
        using S = MockVenueScenario;
        FieldList<S> f;
        f.push_back(member("reject_entries", &S::reject_entries));
        f.push_back(member("reject_exits", &S::reject_exits));
        f.push_back(member("partial_fill_ratio", &S::partial_fill_ratio));
        f.push_back(member("cancel_reject", &S::cancel_reject));
        f.push_back(member("taker_fee_rate", &S::taker_fee_rate));
        f.push_back(member("maker_fee_rate", &S::maker_fee_rate));
        f.push_back(member("lot_step", &S::lot_step));
        f.push_back(member("tick_size", &S::tick_size));
        f.push_back(member("min_qty", &S::min_qty));
        f.push_back(member("assets", &S::assets));
        f.push_back(member("seed", &S::seed));
        f.push_back(member("finished_orders_retained_max", &S::finished_orders_retained_max));
        f.push_back(member("latency_ns", &S::latency_ns));
        f.push_back(member("duplicate_probability", &S::duplicate_probability));
        f.push_back(member("reorder_probability", &S::reorder_probability));
        f.push_back(member("drop_probability", &S::drop_probability));
        f.push_back(member("delay_probability", &S::delay_probability));
        f.push_back(member("delay_ns_max", &S::delay_ns_max));
        f.push_back(member("submit_unknown_probability", &S::submit_unknown_probability));
        f.push_back(member("cancel_unknown_probability", &S::cancel_unknown_probability));
        f.push_back(member("random_reject_probability", &S::random_reject_probability));
        f.push_back(member("random_cancel_reject_probability", &S::random_cancel_reject_probability));
        f.push_back(member("late_fill_on_cancel_probability", &S::late_fill_on_cancel_probability));
        f.push_back(member("overfill_probability", &S::overfill_probability));
        f.push_back(member("short_fill_probability", &S::short_fill_probability));
        f.push_back(member("random_partial_fills", &S::random_partial_fills));
        f.push_back(member("initial_foreign_position", &S::initial_foreign_position));
        f.push_back(member("initial_foreign_position_price", &S::initial_foreign_position_price));
        f.push_back(member("reduce_only_exits", &S::reduce_only_exits));
        f.push_back(member("position_mode", &S::position_mode));
        f.push_back(member("maintenance_margin_rate", &S::maintenance_margin_rate));
        f.push_back(member("liquidation_fee_rate", &S::liquidation_fee_rate));
        f.push_back(member("liquidations", &S::liquidations));
        f.push_back(member("funding_rate", &S::funding_rate));
        f.push_back(member("funding_interval_ns", &S::funding_interval_ns));
        f.push_back(member("adl_probability", &S::adl_probability));
        f.push_back(member("manual_close_probability", &S::manual_close_probability));
        return f;
    }();
    return fields;
}

MockVenueScenario scenario_from_py(py::handle obj) {
    MockVenueScenario out;
    if (obj.is_none()) return out;
    const FieldList<MockVenueScenario>& fields = scenario_fields();
    static PyObject* mapping_type = py::object(py::module_::import("collections.abc").attr("Mapping")).release().ptr();
    if (PyDict_Check(obj.ptr()) || PyObject_IsInstance(obj.ptr(), mapping_type) == 1) {
        // A dict (e.g. a scenario file's "venue"): unknown keys are typos, not extensions.
        apply_kwargs(out, fields, "MockVenueScenario", py::dict(py::reinterpret_borrow<py::object>(obj)));
        return out;
    }
    // A dataclass-like object; fields it lacks (an older scenario class) keep their defaults.
    for (const Field<MockVenueScenario>& field : fields) {
        if (PyObject_HasAttrString(obj.ptr(), field.name.c_str()) != 1) continue;
        field.set(out, obj.attr(field.name.c_str()), "MockVenueScenario." + field.name);
    }
    return out;
}

ControlUpdate control_update_from_py(py::handle obj) {
    ControlUpdate out;
    const FieldSource src(obj, "ControlUpdate",
                          {"mode", "verbosity", "trace_transitions", "max_position_size", "max_notional",
                           "max_leverage", "reason"});
    auto present = [&](const char* name) {
        py::object v = src.get(name);
        return v && !v.is_none() ? v : py::object();
    };
    if (py::object v = present("mode")) out.mode = enum_from_py<KernelMode>(v, src.where("mode"));
    if (py::object v = present("verbosity")) out.verbosity = enum_from_py<KernelVerbosity>(v, src.where("verbosity"));
    if (py::object v = present("trace_transitions")) out.trace_transitions = bool_from_py(v, src.where("trace_transitions"));
    if (py::object v = present("max_position_size")) out.max_position_size = decimal_from_py(v, src.where("max_position_size"));
    if (py::object v = present("max_notional")) out.max_notional = decimal_from_py(v, src.where("max_notional"));
    if (py::object v = present("max_leverage")) out.max_leverage = decimal_from_py(v, src.where("max_leverage"));
    if (py::object v = present("reason")) out.reason = string_from_py(v, src.where("reason"));
    return out;
}

namespace {

GuardSet one(Guard& guard) {
    GuardSet set;
    set.add(&guard);
    return set;
}

[[noreturn]] void raise_unavailable(const std::string& detail) {
    PyErr_SetString(venue_unavailable_error(), detail.c_str());
    throw py::error_already_set();
}

void bind_clocks(py::module_& m) {
    py::class_<PyClock>(m, "Clock", "Where a kernel reads time from (VirtualClock or WallClock).")
        .def("now_ns", [](PyClock& self) {
            AccessLock lock(one(self.guard));
            return self.clock().now_ns();
        }, "Nanoseconds since the Unix epoch.")
        .def("now", [](PyClock& self) {
            std::int64_t ns = 0;
            {
                AccessLock lock(one(self.guard));
                ns = self.clock().now_ns();
            }
            return datetime_from_ns(ns);
        }, "The time as an aware UTC datetime.");

    py::class_<PyVirtualClock, PyClock>(m, "VirtualClock",
                                        "Deterministic time: moves only when told to (never backwards).")
        .def(py::init([](Typed<type_names::OptionalDatetime> start, std::int64_t start_ns) {
                 if (!start.is_none()) start_ns = timestamp_from_py(start, "VirtualClock.start");
                 return std::make_unique<PyVirtualClock>(start_ns);
             }),
             py::kw_only(), py::arg("start") = py::none(), py::arg("start_ns") = 1'700'000'000'000'000'000LL)
        .def("advance", [](PyVirtualClock& self, Typed<type_names::Number> seconds) {
            const double value = double_from_py(seconds, "VirtualClock.advance(seconds)");
            if (!(value >= 0.0) || value > 1e9) {
                throw py::value_error("VirtualClock.advance(seconds): must be from 0 to 1e9, got " +
                                      py::str(seconds).cast<std::string>());
            }
            AccessLock lock(one(self.guard));
            self.value.advance_ns(static_cast<std::int64_t>(value * 1e9 + 0.5));
        }, py::arg("seconds"), "Moves time forward by seconds (0..1e9).")
        .def("advance_ns", [](PyVirtualClock& self, Typed<type_names::Int> ns) {
            const std::int64_t delta = int_from_py(ns, "VirtualClock.advance_ns(ns)", 0, INT64_MAX / 4);
            AccessLock lock(one(self.guard));
            self.value.advance_ns(delta);
        }, py::arg("ns"), "Moves time forward by ns nanoseconds.")
        .def("set_ns", [](PyVirtualClock& self, Typed<type_names::Int> ns) {
            const std::int64_t value = int_from_py(ns, "VirtualClock.set_ns(ns)", 0, INT64_MAX / 2);
            AccessLock lock(one(self.guard));
            self.value.set_ns(value);
        }, py::arg("ns"), "Moves to ns if that is later; time never goes back.");

    py::class_<PyWallClock, PyClock>(m, "WallClock", "The system clock, for live runs.")
        .def(py::init([] { return std::make_unique<PyWallClock>(); }));
}

void bind_control(py::module_& m) {
    py::class_<PyControlPlane>(m, "InMemoryControlPlane",
                               "Run-time switches the kernel reads on every input: mode, verbosity, "
                               "transition tracing, risk limits.")
        .def(py::init([](Typed<type_names::OptionalUpdate> update) {
                 auto out = std::make_unique<PyControlPlane>();
                 if (!update.is_none()) {
                     const ControlResult result = out->plane.update(control_update_from_py(update));
                     if (!result.accepted) throw py::value_error("InMemoryControlPlane: " + result.detail);
                 }
                 return out;
             }),
             py::arg("update") = py::none(), "Optionally starts from a ControlUpdate (refused ones raise ValueError).")
        .def("update", [](PyControlPlane& self, Typed<type_names::Update> update) {
            const ControlUpdate converted = control_update_from_py(update);
            AccessLock lock(one(self.guard));
            const ControlResult result = self.plane.update(converted);
            return ControlResultView{result.accepted, result.detail};
        }, py::arg("update"),
             "Applies the fields that are not None. A refused update (negative limit, leverage < 1) changes "
             "nothing and returns a falsy ControlResult saying why.")
        .def_property_readonly("state", [](PyControlPlane& self) {
            AccessLock lock(one(self.guard));
            return self.plane.state();
        })
        .def_property_readonly("mode", [](PyControlPlane& self) {
            AccessLock lock(one(self.guard));
            return self.plane.state().mode;
        })
        .def_property_readonly("verbosity", [](PyControlPlane& self) {
            AccessLock lock(one(self.guard));
            return self.plane.state().verbosity;
        })
        .def_property_readonly("trace_transitions", [](PyControlPlane& self) {
            AccessLock lock(one(self.guard));
            return self.plane.state().trace_transitions;
        })
        .def_property_readonly("risk_limits", [](PyControlPlane& self) {
            AccessLock lock(one(self.guard));
            return self.plane.state().risk_limits;
        });
}

[[noreturn]] void raise_os_error(const std::exception& error) {
    PyErr_SetString(PyExc_OSError, error.what());
    throw py::error_already_set();
}

void bind_zinc(py::module_& m) {
    py::class_<PyZincPlane>(m, "ZincPlane", "A kernel's journal (InMemoryZincPlane or SqliteZincPlane).")
        .def("recover", [](PyZincPlane& self) {
            AccessLock lock(one(self.guard));
            try {
                return self.plane().recover();
            } catch (const std::runtime_error& error) {
                raise_os_error(error);
            }
        }, "What a restarted kernel needs (ExecutionKernel.restore), or None if nothing was journaled.");

    using Memory = PyInMemoryZincPlane;
    py::class_<Memory, PyZincPlane>(m, "InMemoryZincPlane",
                                    "The journal in memory: outcomes, transitions and terminal trade records "
                                    "(the newest `capacity` of each) and the newest state of every slot.")
        .def(py::init([](Typed<type_names::Int> capacity) {
                 const auto value = static_cast<std::size_t>(
                     int_from_py(capacity, "InMemoryZincPlane.capacity", 1, std::int64_t{1} << 26));
                 return std::make_unique<Memory>(value);
             }),
             py::arg("capacity") = py::int_(InMemoryZincPlane::default_capacity))
        .def("outcomes", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.outcomes();
        }, "Journaled outcomes, oldest first (a copy).")
        .def("transitions", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.transitions();
        }, "Journaled transitions, oldest first (a copy).")
        .def("terminal_records", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.terminal_records();
        }, "Terminal trade records, oldest first (a copy).")
        .def_property_readonly("outcome_count", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.outcome_count();
        })
        .def_property_readonly("outcomes_dropped", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.outcomes_dropped();
        })
        .def_property_readonly("transitions_dropped", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.transitions_dropped();
        })
        .def_property_readonly("terminals_dropped", [](Memory& self) {
            AccessLock lock(one(self.guard));
            return self.value.terminals_dropped();
        })
        .def("clear", [](Memory& self) {
            AccessLock lock(one(self.guard));
            self.value.clear();
        }, "Forgets everything journaled so far.");

    struct Sqlite final : PyZincPlane {
        Sqlite(const std::string& path, SqliteJournalOptions options) : value(path, options) {}
        ZincPlane& plane() override { return value; }
        SqliteZincPlane value;
    };
    py::class_<Sqlite, PyZincPlane>(m, "SqliteZincPlane",
                                    "The durable journal: an SQLite file (WAL, synchronous FULL), one "
                                    "transaction per kernel input, so a crash loses no committed input; orders are "
                                    "written ahead of their send. outcomes_kept / transitions_kept: newest rows kept "
                                    "(0: all), pruned with a WAL checkpoint every commits_per_prune commits.")
        .def(py::init([](Typed<type_names::Path> path, Typed<type_names::Int> outcomes_kept,
                         Typed<type_names::Int> transitions_kept, Typed<type_names::Int> commits_per_prune) {
                 if (!PyUnicode_Check(path.ptr()) && !PyObject_HasAttrString(path.ptr(), "__fspath__")) {
                     raise_type_error("SqliteZincPlane.path", "a str or os.PathLike", path);
                 }
                 const std::string text = py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
                 constexpr std::int64_t rows_max = std::int64_t{1} << 40;
                 SqliteJournalOptions options;
                 options.outcomes_kept = static_cast<std::uint64_t>(
                     int_from_py(outcomes_kept, "SqliteZincPlane.outcomes_kept", 0, rows_max));
                 options.transitions_kept = static_cast<std::uint64_t>(
                     int_from_py(transitions_kept, "SqliteZincPlane.transitions_kept", 0, rows_max));
                 options.commits_per_prune = static_cast<std::uint64_t>(
                     int_from_py(commits_per_prune, "SqliteZincPlane.commits_per_prune", 1, rows_max));
                 try {
                     return std::make_unique<Sqlite>(text, options);
                 } catch (const std::runtime_error& error) {
                     raise_os_error(error); // cannot open or create the file
                 }
             }),
             py::arg("path"), py::arg("outcomes_kept") = py::int_(SqliteJournalOptions{}.outcomes_kept),
             py::arg("transitions_kept") = py::int_(SqliteJournalOptions{}.transitions_kept),
             py::arg("commits_per_prune") = py::int_(SqliteJournalOptions{}.commits_per_prune))
        .def_property_readonly("outcome_count", [](Sqlite& self) {
            AccessLock lock(one(self.guard));
            try {
                return self.value.outcome_count();
            } catch (const std::runtime_error& error) {
                raise_os_error(error);
            }
        })
        .def("terminal_records", [](Sqlite& self) {
            AccessLock lock(one(self.guard));
            try {
                return self.value.terminal_records();
            } catch (const std::runtime_error& error) {
                raise_os_error(error);
            }
        }, "Terminal trade records, oldest first.");
}

void bind_mock_venue(py::module_& m) {
    py::class_<PyMockVenue>(m, "MockVenueAdapter",
                            "A deterministic in-process venue. Market orders fill at the request's reference "
                            "price (partial_fill_ratio of them at once); events are handed to the kernel when "
                            "it drains, so they appear in the outcome of the intent that caused them.")
        .def(py::init([](Typed<type_names::Scenario> scenario, Typed<type_names::OptionalClock> clock) {
                 MockVenueScenario converted = scenario_from_py(scenario);
                 auto out = std::make_unique<PyMockVenue>(std::move(converted));
                 out->scenario = scenario.is_none() ? py::module_::import("dita").attr("MockVenueScenario")()
                                                    : py::reinterpret_borrow<py::object>(scenario);
                 if (!clock.is_none()) {
                     if (!py::isinstance<PyClock>(clock)) raise_type_error("MockVenueAdapter.clock", "a dita Clock", clock);
                     out->bind_clock(py::reinterpret_borrow<py::object>(clock), clock.cast<PyClock&>());
                 }
                 return out;
             }),
             py::arg("scenario") = py::none(), py::kw_only(), py::arg("clock") = py::none(),
             "scenario: a MockVenueScenario (or a dict of its fields); clock: the venue's time (default: "
             "the clock of the first kernel it is given to).")
        .def_property_readonly("scenario", [](PyMockVenue& self) { return self.scenario; })
        .def_property_readonly("counters", [](PyMockVenue& self) {
            AccessLock lock(self.guards());
            return self.venue.counters();
        })
        .def_property_readonly("pending_events", [](PyMockVenue& self) {
            AccessLock lock(self.guards());
            return self.venue.pending_events();
        })
        .def("name", [](PyMockVenue&) { return std::string("mock"); }, "'mock'.")
        .def("instrument", [](PyMockVenue& self, const std::string& asset) {
            AccessLock lock(self.guards());
            return self.venue.instrument(asset);
        }, py::arg("asset"), "Trading rules of asset (lot step, tick size, minimums), or None if not traded.")
        .def("submit_order", [](PyMockVenue& self, const OrderRequest& request) {
            AccessLock lock(self.guards());
            return self.venue.submit_order(request);
        }, py::arg("request"), "Places an order; its events are queued for the next drain.")
        .def("cancel_order", [](PyMockVenue& self, const CancelRequest& request) {
            AccessLock lock(self.guards());
            return self.venue.cancel_order(request);
        }, py::arg("request"), "Cancels an order by client order id.")
        .def("drain_events", [](PyMockVenue& self) {
            class Collect final : public EventSink {
            public:
                void deliver(const VenueEvent& event) override { events.push_back(event); }
                std::vector<VenueEvent> events;
            } sink;
            AccessLock lock(self.guards());
            self.venue.drain_events(sink);
            return sink.events;
        }, "Takes every queued event (a kernel using this venue will then not see them).")
        .def("query_order", [](PyMockVenue& self, const std::string& asset, const std::string& client_order_id) {
            VenueQuery<std::optional<VenueOrder>> answer;
            {
                AccessLock lock(self.guards());
                answer = self.venue.query_order(asset, client_order_id);
            }
            if (!answer.ok()) raise_unavailable(answer.detail);
            return answer.value;
        }, py::arg("asset"), py::arg("client_order_id"), "The venue's view of one order, or None if it never had it.")
        .def("open_orders", [](PyMockVenue& self, const std::string& asset) {
            VenueQuery<std::vector<VenueOrder>> answer;
            {
                AccessLock lock(self.guards());
                answer = self.venue.open_orders(asset);
            }
            if (!answer.ok()) raise_unavailable(answer.detail);
            return answer.value;
        }, py::arg("asset"), "Orders still working at the venue.")
        .def("positions", [](PyMockVenue& self, const std::string& asset) {
            VenueQuery<std::vector<VenuePosition>> answer;
            {
                AccessLock lock(self.guards());
                answer = self.venue.positions(asset);
            }
            if (!answer.ok()) raise_unavailable(answer.detail);
            return answer.value;
        }, py::arg("asset"), "Net positions at the venue.")
        .def("fill_working", [](PyMockVenue& self, const std::string& client_order_id, Typed<type_names::Number> qty,
                                 Typed<type_names::Number> price) {
            const Decimal q = decimal_from_py(qty, "fill_working(qty)");
            const Decimal p = decimal_from_py(price, "fill_working(price)");
            AccessLock lock(self.guards());
            return self.venue.fill_working(client_order_id, q, p);
        }, py::arg("client_order_id"), py::arg("qty"), py::arg("price"),
             "Fills (part of) a working order at a price, as a resting order meeting the market. "
             "The events reach the kernel on its next input (or ExecutionKernel.pump_venue()).")
        .def("position_mode", [](PyMockVenue& self) { return self.venue.position_mode(); },
             "The account's position mode (HEDGE or ONE_WAY).")
        .def("set_mark", [](PyMockVenue& self, const std::string& asset, Typed<type_names::Number> price) {
            const Decimal p = decimal_from_py(price, "set_mark(price)");
            AccessLock lock(self.guards());
            self.venue.set_mark(asset, p);
        }, py::arg("asset"), py::arg("price"),
             "The market moves: positions past their liquidation price are liquidated there, and the "
             "seeded venue moves (ADL, manual closes) may happen. The kernel learns it on its next input.")
        .def("liquidation_price", [](PyMockVenue& self, const std::string& asset, TradeSide side) -> py::object {
            AccessLock lock(self.guards());
            const auto price = self.venue.liquidation_price(asset, side);
            return price ? decimal_to_py(*price) : py::object(py::none());
        }, py::arg("asset"), py::arg("side"),
             "The mark price at which the position on side is liquidated, or None (none, or a long at leverage 1).")
        .def("manual_close", [](PyMockVenue& self, const std::string& asset, TradeSide side, Typed<type_names::Number> qty) {
            const Decimal q = decimal_from_py(qty, "manual_close(qty)");
            AccessLock lock(self.guards());
            return self.venue.manual_close(asset, side, q);
        }, py::arg("asset"), py::arg("side"), py::arg("qty"),
             "A person closes qty of the position on the website (a MANUAL_CLOSE at the mark).")
        .def("auto_deleverage", [](PyMockVenue& self, const std::string& asset, TradeSide side, Typed<type_names::Number> qty) {
            const Decimal q = decimal_from_py(qty, "auto_deleverage(qty)");
            AccessLock lock(self.guards());
            return self.venue.auto_deleverage(asset, side, q);
        }, py::arg("asset"), py::arg("side"), py::arg("qty"), "The venue auto-deleverages qty of the position (ADL).");
}

} // namespace

void bind_components(py::module_& m) {
    bind_clocks(m);
    bind_control(m);
    bind_zinc(m);
    bind_mock_venue(m);

    m.def("_scenario_check", [](py::handle scenario) {
        // Builds (and drops) a venue: the C++ constructor is where ranges are checked.
        const MockVenueAdapter venue(scenario_from_py(scenario));
    }, "Raises TypeError/ValueError for a scenario MockVenueAdapter would refuse.");
    m.def("_control_update_check", [](py::handle update) {
        const ControlUpdate converted = control_update_from_py(update);
        InMemoryControlPlane scratch;
        const ControlResult result = scratch.update(converted);
        if (!result.accepted) throw py::value_error("ControlUpdate: " + result.detail);
    }, "Raises TypeError/ValueError for an update a control plane would refuse.");
    m.def("_defaults", [] {
        // The C++ defaults, so the Python dataclasses can be checked against them.
        py::dict s = fields_to_dict(MockVenueScenario{}, scenario_fields(), false);
        s["assets"] = py::tuple(s["assets"]);
        const KernelIntent intent;
        py::dict i;
        i["intent_id"] = intent.intent_id;
        i["trade_id"] = intent.trade_id;
        i["slot_id"] = intent.slot_id;
        i["asset"] = intent.asset;
        i["side"] = enum_to_py(intent.side);
        i["action"] = enum_to_py(intent.action);
        i["reference_price"] = intent.reference_price;
        i["target_size"] = intent.target_size;
        i["leverage"] = intent.leverage;
        i["exit_leg_ratios"] = py::tuple(py::cast(intent.exit_leg_ratios));
        i["reason"] = intent.reason;
        py::dict out;
        out["MockVenueScenario"] = s;
        out["KernelIntent"] = i;
        return out;
    });
}

} // namespace dita::py_binding
