// The chaos layer for Python (dita.chaos, prod.clean_arch.dita_v2.chaos): scenarios as JSON
// (the scenario-file form), runs of the C++ orchestrator on a chaos kernel, the C++ checker on
// a run's history and the C++ EventSequencer. The Python module turns these into the seed's
// dataclasses; everything here is underscored and not meant to be called directly.
#include <algorithm>
#include <set>

#include "dita/chaos/invariants.hpp"
#include "dita/chaos/random.hpp"
#include "dita/chaos/scenario_io.hpp"
#include "dita/chaos/sequencer.hpp"
#include "kernel_object.hpp"
#include "typed.hpp"

namespace dita::py_binding {

namespace {

using chaos::ChaosRunResult;

// A run's full C++ history (more than the seed's result holds: step traces, the account and
// thread count at the start), kept beside the Python result so the checker sees all of it.
struct NativeRun {
    ChaosRunResult run;
};

chaos::VenueSettings settings_from_scenario(const MockVenueScenario& s) {
    chaos::VenueSettings v;
    v.reject_entries = s.reject_entries;
    v.reject_exits = s.reject_exits;
    v.partial_fill_ratio = s.partial_fill_ratio;
    v.cancel_reject = s.cancel_reject;
    v.taker_fee_rate = s.taker_fee_rate;
    v.maker_fee_rate = s.maker_fee_rate;
    v.lot_step = s.lot_step;
    v.tick_size = s.tick_size;
    v.min_qty = s.min_qty;
    v.assets = s.assets;
    v.seed = s.seed;
    v.finished_orders_retained_max = s.finished_orders_retained_max;
    v.latency_ns = s.latency_ns;
    v.duplicate_probability = s.duplicate_probability;
    v.reorder_probability = s.reorder_probability;
    v.drop_probability = s.drop_probability;
    v.delay_probability = s.delay_probability;
    v.delay_ns_max = s.delay_ns_max;
    v.submit_unknown_probability = s.submit_unknown_probability;
    v.cancel_unknown_probability = s.cancel_unknown_probability;
    v.random_reject_probability = s.random_reject_probability;
    v.random_cancel_reject_probability = s.random_cancel_reject_probability;
    v.late_fill_on_cancel_probability = s.late_fill_on_cancel_probability;
    v.overfill_probability = s.overfill_probability;
    v.short_fill_probability = s.short_fill_probability;
    v.random_partial_fills = s.random_partial_fills;
    v.initial_foreign_position = s.initial_foreign_position;
    v.initial_foreign_position_price = s.initial_foreign_position_price;
    v.reduce_only_exits = s.reduce_only_exits;
    v.position_mode = s.position_mode;
    v.maintenance_margin_rate = s.maintenance_margin_rate;
    v.liquidation_fee_rate = s.liquidation_fee_rate;
    v.liquidations = s.liquidations;
    v.funding_rate = s.funding_rate;
    v.funding_interval_ns = s.funding_interval_ns;
    v.adl_probability = s.adl_probability;
    v.manual_close_probability = s.manual_close_probability;
    return v;
}

chaos::ChaosScenario scenario_from_json(const std::string& text) {
    auto parsed = chaos::parse_scenarios(text, "<python scenario>");
    if (!parsed) throw py::value_error(parsed.error().message());
    if (parsed.value().size() != 1) throw py::value_error("expected one scenario");
    return std::move(parsed.value().front());
}

py::object run_slot_dict(const TradeSlot& slot) {
    return py::cast(SlotView{SlotSnapshot{slot, {}}}).attr("to_dict")();
}

// Applies the keys of a seed-style slot dict that differ from what the recorded slot shows, so
// an edited history reaches the checks and an unedited one stays exact. An fsm_state that is no
// TradeStage cannot be represented: it is returned for fsm_consistent to report.
std::optional<std::string> overlay_slot(TradeSlot& slot, py::handle dict, const std::string& where) {
    if (!PyDict_Check(dict.ptr())) raise_type_error(where, "a dict (TradeSlot.to_dict())", dict);
    const py::dict given = py::reinterpret_borrow<py::dict>(dict);
    const py::dict recorded = run_slot_dict(slot);
    std::optional<std::string> unknown_state;
    for (auto item : given) {
        const std::string key = py::str(item.first).cast<std::string>();
        if (recorded.contains(item.first) && py::object(recorded[item.first]).equal(py::reinterpret_borrow<py::object>(item.second))) continue;
        const std::string field = where + "[" + key + "]";
        py::handle value = item.second;
        if (key == "fsm_state") {
            const std::string name = py::str(value).cast<std::string>();
            if (const auto stage = enum_from_string<TradeStage>(name)) {
                slot.fsm_state = *stage;
            } else {
                unknown_state = name;
            }
        } else if (key == "size") {
            slot.size = decimal_from_py(value, field);
        } else if (key == "target_size") {
            slot.target_size = decimal_from_py(value, field);
        } else if (key == "entry_price") {
            slot.entry_price = decimal_from_py(value, field);
        } else if (key == "realized_pnl") {
            slot.realized_pnl = decimal_from_py(value, field);
        } else if (key == "fees") {
            slot.fees = decimal_from_py(value, field);
        } else if (key == "closed") {
            slot.closed = bool_from_py(value, field);
        } else if (key == "trade_id") {
            slot.trade_id = fixed_from_py<Id::capacity>(value, field);
        } else if (key == "working_order_id") {
            slot.working_order_id = fixed_from_py<Id::capacity>(value, field);
        } else if (key == "side") {
            if (!value.is_none()) slot.side = enum_from_py<TradeSide>(value, field);
        } else if (key == "active_leg_index") {
            slot.active_leg_index = static_cast<int>(int_from_py(value, field, 0, INT32_MAX));
        }
        // Other keys (exit_leg_ratios) are not read by any check.
    }
    return unknown_state;
}

py::list checks_to_py(const std::vector<chaos::InvariantResult>& results) {
    py::list out;
    for (const auto& r : results) out.append(py::make_tuple(r.name, r.passed, r.detail, r.slot_id));
    return out;
}

// The state after a run of a kernel that has no chaos stack (one the user built).
chaos::FinalState plain_final_state(ExecutionKernel& kernel, VenueAdapter* venue) {
    chaos::FinalState state;
    std::set<std::string> assets;
    for (int i = 0; i < kernel.max_slots(); ++i) {
        state.slots.push_back(kernel.slot_snapshot(i));
        if (!state.slots.back().slot.asset.empty()) assets.insert(state.slots.back().slot.asset.str());
    }
    if (assets.empty()) assets.insert("BTCUSDT");
    state.account = kernel.account();
    state.kernel_working_orders = kernel.working_orders();
    for (const std::string& asset : assets) {
        if (const auto mark = kernel.mark_price(asset)) state.marks[asset] = *mark;
        if (venue == nullptr) continue;
        const auto open = venue->open_orders(asset);
        if (open.ok()) {
            state.venue_open_orders.insert(state.venue_open_orders.end(), open.value.begin(), open.value.end());
        } else if (state.venue_error.empty()) {
            state.venue_error = "open orders of " + asset + ": " + open.detail;
        }
        const auto positions = venue->positions(asset);
        if (positions.ok()) {
            state.venue_positions.insert(state.venue_positions.end(), positions.value.begin(), positions.value.end());
        } else if (state.venue_error.empty()) {
            state.venue_error = "positions of " + asset + ": " + positions.detail;
        }
    }
    state.threads = chaos::count_process_threads();
    state.state_hash = kernel.state_hash();
    chaos::capture_kernel_gaps(state, kernel);
    return state;
}

PyKernel& kernel_from_py(py::handle obj, const std::string& where) {
    if (!py::isinstance<PyKernel>(obj)) raise_type_error(where, "an ExecutionKernel", obj);
    return obj.cast<PyKernel&>();
}

} // namespace

void bind_chaos(py::module_& m) {
    register_enum<ChaosAction>(m, "An atomic adversarial action in a chaos scenario.");

    m.def(
        "_chaos_kernel",
        [](py::handle scenario) {
            const chaos::VenueSettings settings = settings_from_scenario(scenario_from_py(scenario));
            auto stack = chaos::ChaosStack::create(settings);
            if (!stack) throw py::value_error(stack.error().message());
            return std::make_unique<PyKernel>(std::move(stack.value()));
        },
        py::arg("venue"), "An ExecutionKernel on a chaos stack (max_slots 2, DEBUG, virtual time, input log).");

    m.def("_chaos_builtins_json", [] {
        Json out = Json::object();
        std::vector<chaos::ChaosScenario> all(chaos::builtin_scenarios().begin(), chaos::builtin_scenarios().end());
        out["builtins"] = chaos::scenarios_to_json(all);
        Json groups = Json::object();
        for (const auto& s : all) groups[s.name] = chaos::scenario_groups(s.name);
        out["groups"] = groups;
        return out.dump();
    });

    m.def("_chaos_is_stack_kernel", [](py::handle kernel) {
        return py::isinstance<PyKernel>(kernel) && kernel.cast<PyKernel&>().stack() != nullptr;
    });

    m.def("_stack_wait", [](py::handle kernel_obj, double seconds) {
        PyKernel& kernel = kernel_from_py(kernel_obj, "kernel");
        if (kernel.stack() == nullptr) throw py::type_error("the kernel has no chaos stack");
        if (!(seconds >= 0.0 && seconds <= chaos::step_delay_seconds_max)) {
            throw py::value_error("delay_before must be from 0 to " + std::to_string(chaos::step_delay_seconds_max));
        }
        kernel.call([&](ExecutionKernel&) { kernel.stack()->wait_seconds(seconds); return 0; });
    });
    m.def("_stack_now_ns", [](py::handle kernel_obj) {
        PyKernel& kernel = kernel_from_py(kernel_obj, "kernel");
        if (kernel.stack() == nullptr) throw py::type_error("the kernel has no chaos stack");
        return kernel.call([&](ExecutionKernel&) { return kernel.stack()->clock().now_ns(); });
    });

    m.def("_count_threads", [] { return chaos::count_process_threads(); });

    py::class_<chaos::EventSequencer>(m, "EventSequencer",
                                      "Thread-safe capture of VenueEvents; JSON-lines save/load; replays.")
        .def(py::init<>())
        .def("capture", [](chaos::EventSequencer& self, Typed<type_names::Event> event) {
            self.capture(Conv<VenueEvent>::from(event, "EventSequencer.capture(event)"));
        }, py::arg("event"))
        .def("capture_many", [](chaos::EventSequencer& self, Typed<type_names::Events> events) {
            const auto converted = Conv<std::vector<VenueEvent>>::from(events, "EventSequencer.capture_many(events)");
            py::gil_scoped_release nogil;
            self.capture_many(converted);
        }, py::arg("events"))
        .def("events", [](const chaos::EventSequencer& self) {
            const auto copy = self.events();
            py::list out;
            for (const auto& e : copy) out.append(py::cast(e));
            return out;
        })
        .def("event_at", [](const chaos::EventSequencer& self, std::size_t i) {
            const auto copy = self.events();
            if (i >= copy.size()) throw py::index_error("event index out of range");
            return copy[i];
        })
        .def_property_readonly("count", &chaos::EventSequencer::count)
        .def_property_readonly("dropped", &chaos::EventSequencer::dropped)
        .def("clear", &chaos::EventSequencer::clear)
        .def("replay_in_order", [](const chaos::EventSequencer& self, Typed<type_names::Kernel> kernel_obj,
                                   std::vector<std::size_t> order) {
            PyKernel& kernel = kernel_from_py(kernel_obj, "replay(kernel)");
            const std::size_t n = self.count();
            for (const std::size_t i : order) {
                if (i >= n) throw py::index_error("replay order names event " + std::to_string(i) + " of " + std::to_string(n));
            }
            const auto events = self.events();
            return kernel.call([&](ExecutionKernel& k) {
                std::vector<KernelOutcome> out;
                out.reserve(order.size());
                chaos::ChaosStack* stack = kernel.stack();
                for (const std::size_t i : order) out.push_back(stack ? stack->on_venue_event(events[i]) : k.on_venue_event(events[i]));
                return out;
            });
        }, py::arg("kernel"), py::arg("order"))
        .def("save", [](const chaos::EventSequencer& self, const std::string& path) {
            std::optional<chaos::Error> error;
            {
                py::gil_scoped_release nogil;
                error = self.save(path);
            }
            if (error) throw py::value_error(error->message());
        }, py::arg("path"))
        .def("load", [](chaos::EventSequencer& self, const std::string& path) {
            std::optional<chaos::Result<std::vector<VenueEvent>>> loaded;
            {
                py::gil_scoped_release nogil;
                auto result = chaos::load_events(path);
                if (result) self.capture_many(result.value());
                loaded.emplace(std::move(result));
            }
            if (!loaded->ok()) throw py::value_error(loaded->error().message());
            return loaded->value().size();
        }, py::arg("path"), "Appends the events of a JSON-lines file; returns how many.");

    m.def("_shuffled_indices", &chaos::shuffled_indices, py::arg("n"), py::arg("seed"));
    m.def("_event_orderings", [](std::size_t n, std::size_t samples, std::uint64_t seed, std::size_t exhaustive_max) {
        auto orderings = chaos::event_orderings(n, samples, seed, exhaustive_max);
        return py::make_tuple(orderings.orders, orderings.exhaustive);
    }, py::arg("n"), py::arg("samples"), py::arg("seed"), py::arg("exhaustive_events_max") = 8);

    py::class_<NativeRun>(m, "_ChaosNativeRun", "A chaos run's full C++ history.")
        .def_property_readonly("scenario_name", [](const NativeRun& r) { return r.run.scenario_name; })
        .def_property_readonly("slot_id", [](const NativeRun& r) { return r.run.slot_id; })
        .def_property_readonly("elapsed_ns", [](const NativeRun& r) { return r.run.elapsed_ns; })
        .def_property_readonly("outcomes", [](const NativeRun& r) { return r.run.outcomes; })
        .def_property_readonly("events", [](const NativeRun& r) { return r.run.events; })
        .def_property_readonly("final_outcome", [](const NativeRun& r) { return r.run.final_outcome; })
        .def_property_readonly("slot_states", [](const NativeRun& r) {
            py::list out;
            for (const TradeSlot& s : r.run.slot_states) out.append(run_slot_dict(s));
            return out;
        })
        .def_property_readonly("account_snapshots", [](const NativeRun& r) {
            py::list out;
            for (const AccountSnapshot& a : r.run.account_snapshots) out.append(py::cast(a).attr("to_dict")());
            return out;
        })
        .def_property_readonly("step_times_ns", [](const NativeRun& r) {
            std::vector<std::int64_t> out;
            for (const auto& s : r.run.steps) out.push_back(s.at_ns);
            return out;
        });

    m.def(
        "_run_scenario",
        [](py::handle kernel_obj, const std::string& scenario_json, int slot_id, py::handle sequencer) {
            PyKernel& kernel = kernel_from_py(kernel_obj, "run_chaos_scenario(kernel)");
            if (kernel.stack() == nullptr) throw py::type_error("run_chaos_scenario: the kernel has no chaos stack");
            const chaos::ChaosScenario scenario = scenario_from_json(scenario_json);
            chaos::RunOptions options;
            options.slot_id = slot_id;
            if (!sequencer.is_none()) options.capture = &sequencer.cast<chaos::EventSequencer&>();
            auto native = std::make_unique<NativeRun>();
            native->run = kernel.call([&](ExecutionKernel&) {
                return chaos::run_chaos_scenario(*kernel.stack(), scenario, options);
            });
            return native;
        },
        py::arg("kernel"), py::arg("scenario_json"), py::arg("slot_id"), py::arg("sequencer") = py::none());

    m.def(
        "_native_run",
        [](std::string scenario_name, int slot_id, py::handle outcomes, py::handle events, py::handle slots,
           py::handle accounts, std::vector<std::int64_t> step_times_ns, std::vector<std::string> step_actions,
           std::optional<std::size_t> threads_at_start, std::size_t unmatched_at_start, py::handle account_at_start,
           std::int64_t elapsed_ns) {
            auto native = std::make_unique<NativeRun>();
            ChaosRunResult& run = native->run;
            run.scenario_name = std::move(scenario_name);
            run.slot_id = slot_id;
            run.outcomes = Conv<std::vector<KernelOutcome>>::from(outcomes, "outcomes");
            run.events = Conv<std::vector<VenueEvent>>::from(events, "events");
            for (const SlotView& view : Conv<std::vector<SlotView>>::from(slots, "slot_states")) {
                run.slot_states.push_back(view.snapshot.slot);
            }
            run.account_snapshots = Conv<std::vector<AccountSnapshot>>::from(accounts, "account_snapshots");
            if (step_times_ns.size() != run.slot_states.size() || step_actions.size() != run.slot_states.size()) {
                throw py::value_error("_native_run: one step time and action per slot state");
            }
            for (std::size_t i = 0; i < step_times_ns.size(); ++i) {
                chaos::StepTrace step;
                step.step_index = i;
                step.action = enum_from_string<ChaosAction>(step_actions[i]).value_or(ChaosAction::ENTER);
                step.at_ns = step_times_ns[i];
                step.outcomes_begin = i;
                step.outcomes_end = i + 1;
                run.steps.push_back(step);
            }
            if (!run.outcomes.empty()) run.final_outcome = run.outcomes.back();
            run.threads_at_start = threads_at_start;
            run.unmatched_events_at_start = unmatched_at_start;
            run.account_at_start = Conv<AccountSnapshot>::from(account_at_start, "account_at_start");
            run.elapsed_ns = elapsed_ns;
            return native;
        });

    m.def(
        "_check",
        [](py::handle kernel_obj, const NativeRun& native, py::handle outcomes, py::handle events, py::handle slots,
           py::handle accounts, std::uint64_t seed) {
            PyKernel& kernel = kernel_from_py(kernel_obj, "StateInvariantChecker(kernel)");
            // The seed's result fields as the caller holds them now (possibly edited), over the
            // recorded history.
            ChaosRunResult run = native.run;
            run.outcomes = Conv<std::vector<KernelOutcome>>::from(outcomes, "ChaosRunResult.outcomes");
            run.events = Conv<std::vector<VenueEvent>>::from(events, "ChaosRunResult.events");
            if (!PySequence_Check(slots.ptr())) raise_type_error("ChaosRunResult.slot_states", "a list of dicts", slots);
            const py::sequence slot_seq = py::reinterpret_borrow<py::sequence>(slots);
            std::vector<TradeSlot> slot_states;
            std::optional<std::pair<std::size_t, std::string>> unknown_state;
            for (std::size_t i = 0; i < slot_seq.size(); ++i) {
                TradeSlot slot = i < native.run.slot_states.size() ? native.run.slot_states[i] : TradeSlot{};
                if (i >= native.run.slot_states.size()) slot.slot_id = native.run.slot_id;
                const auto unknown = overlay_slot(slot, slot_seq[i], "ChaosRunResult.slot_states[" + std::to_string(i) + "]");
                if (unknown && !unknown_state) unknown_state.emplace(i, *unknown);
                slot_states.push_back(std::move(slot));
            }
            run.slot_states = std::move(slot_states);
            run.steps.resize(std::min(run.steps.size(), run.slot_states.size()));
            run.account_snapshots = Conv<std::vector<AccountSnapshot>>::from(accounts, "ChaosRunResult.account_snapshots");

            chaos::CheckOptions options;
            options.seed = seed;
            options.replays = kernel.stack() != nullptr;
            auto results = kernel.call([&](ExecutionKernel& k) {
                if (chaos::ChaosStack* stack = kernel.stack()) {
                    const chaos::FinalState state = chaos::capture_final_state(*stack);
                    return chaos::run_checks(chaos::CheckContext{run, state, &stack->log(), options});
                }
                const chaos::FinalState state = plain_final_state(k, kernel.adapter());
                return chaos::run_checks(chaos::CheckContext{run, state, nullptr, options});
            });
            if (unknown_state) {
                for (auto& r : results) {
                    if (r.name != "fsm_consistent") continue;
                    r.passed = false;
                    r.detail = "Unknown FSM state: " + unknown_state->second + " after step " +
                               std::to_string(unknown_state->first);
                    r.slot_id = run.slot_id;
                }
            }
            return checks_to_py(results);
        },
        py::arg("kernel"), py::arg("native"), py::arg("outcomes"), py::arg("events"), py::arg("slot_states"),
        py::arg("account_snapshots"), py::arg("seed") = 42);

    m.def("_invariant_names", [] {
        std::vector<std::string> out;
        for (const auto& def : chaos::invariant_checks()) out.emplace_back(def.name);
        return out;
    });
}

} // namespace dita::py_binding
