// ExecutionKernel for Python: owns (references to) its control plane, venue, zinc plane and
// clock, converts at the boundary, and runs the C++ kernel without the GIL.
#include <algorithm>
#include <string>
#include <vector>

#include "kernel_object.hpp"
#include "typed.hpp"

namespace dita::py_binding {
namespace {

// ExecutionKernel.process_intent as a METH_FASTCALL method: the common call, one positional or
// `intent=` argument that is a checked dita KernelIntent, goes straight to the kernel, skipping
// pybind11's generic dispatch (argument loaders, type look-ups, the outcome's cast); everything
// else goes to the pybind11 function bound first, unchanged, so its conversions and error
// messages (TypeError/ValueError naming the field) stay exactly what they were.
PyObject* generic_process_intent = nullptr; // the pybind11 function; kept for the process lifetime
std::string process_intent_doc;              // its docstring, shown by the fast method too

PyKernel* kernel_of(PyObject* self) {
    // pybind11 keeps the value pointer in the instance itself when the class has no C++ bases.
    auto* inst = reinterpret_cast<py::detail::instance*>(self);
    if (!inst->simple_layout || !inst->simple_holder_constructed) return nullptr; // __init__ not run
    return static_cast<PyKernel*>(inst->simple_value_holder[0]);
}

PyObject* call_generic(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    const Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    std::vector<PyObject*> all(static_cast<std::size_t>(1 + nargs + nkw));
    all[0] = self;
    std::copy(args, args + nargs + nkw, all.begin() + 1);
    return PyObject_Vectorcall(generic_process_intent, all.data(), static_cast<std::size_t>(1 + nargs), kwnames);
}

PyObject* fast_process_intent(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    const bool one_argument =
        (nargs == 1 && (kwnames == nullptr || PyTuple_GET_SIZE(kwnames) == 0)) ||
        (nargs == 0 && kwnames != nullptr && PyTuple_GET_SIZE(kwnames) == 1 &&
         PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "intent") == 0);
    PyKernel* kernel = one_argument ? kernel_of(self) : nullptr;
    if (kernel != nullptr) {
        // As pybind11's dispatcher does: a Python error as it is, any other exception through
        // the registered translators (std::runtime_error -> RuntimeError, ...).
        try {
            if (PyObject* outcome = kernel->process_intent_fast(args[0])) return outcome;
            if (PyErr_Occurred() != nullptr) return nullptr;
        } catch (py::error_already_set& e) {
            e.restore();
            return nullptr;
        } catch (...) {
            if (py::detail::apply_exception_translators(py::detail::get_local_internals().registered_exception_translators) ||
                py::detail::apply_exception_translators(py::detail::get_internals().registered_exception_translators)) {
                return nullptr;
            }
            PyErr_SetString(PyExc_SystemError, "ExecutionKernel.process_intent: an exception no translator handled");
            return nullptr;
        }
    }
    return call_generic(self, args, nargs, kwnames);
}

void install_fast_process_intent(py::class_<PyKernel>& cls) {
    generic_process_intent = py::object(cls.attr("process_intent")).release().ptr();
    process_intent_doc = py::str(py::handle(generic_process_intent).attr("__doc__")).cast<std::string>();
    static PyMethodDef def{"process_intent", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&fast_process_intent)),
                           METH_FASTCALL | METH_KEYWORDS, process_intent_doc.c_str()};
    py::object method = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), &def));
    if (!method) throw py::error_already_set();
    if (PyObject_SetAttrString(cls.ptr(), "process_intent", method.ptr()) != 0) throw py::error_already_set();
}

} // namespace

void bind_kernel(py::module_& m) {
    py::class_<PyKernel> cls(m, "ExecutionKernel",
                         "The C++ execution kernel: one account, max_slots slots, each holding at most one trade. "
                         "Every input returns a KernelOutcome; bad input gets a diagnostic and changes nothing. "
                         "Calls release the GIL; one kernel serves one call at a time.");
    cls.def(py::init([](Typed<type_names::Int> max_slots, Typed<type_names::Control> control_plane,
                         Typed<type_names::Venue> venue, Typed<type_names::Zinc> zinc_plane,
                         Typed<type_names::Number> initial_capital, Typed<type_names::KernelClock> clock) {
                 return std::make_unique<PyKernel>(max_slots, control_plane, venue, zinc_plane, initial_capital, clock);
             }),
             py::arg("max_slots"),
             py::arg("control_plane"), py::arg("venue"), py::arg("zinc_plane"), py::arg("initial_capital") = 10000.0,
             py::kw_only(), py::arg("clock") = py::none(),
             "control_plane: InMemoryControlPlane (None: a new one); venue: MockVenueAdapter, BingxVenueAdapter or any "
             "object implementing the VenueAdapter protocol; zinc_plane: InMemoryZincPlane. clock: None or 'virtual' (a VirtualClock of "
             "the kernel's own: deterministic), 'wall', or a Clock; with a BingxVenueAdapter None means 'wall'. "
             "A MockVenueAdapter without a clock reads the kernel's.")
        .def("process_intent", [](PyKernel& k, Typed<type_names::Intent> intent) { return k.process_intent(intent); },
             py::arg("intent"), "Processes one intent; the outcome says what happened (bad input: a diagnostic, no change).")
        .def("process_intents", [](PyKernel& k, Typed<type_names::Intents> intents) { return k.process_intents(intents); },
             py::arg("intents"),
             "process_intent for each, in one call (the GIL is released once); returns the outcomes.")
        .def("_process_intents_timed", [](PyKernel& k, Typed<type_names::Intents> intents) { return k.process_intents_timed(intents); },
             py::arg("intents"),
             "Benchmark helper: processes the intents in a C++ loop and returns the nanoseconds it took.")
        .def("on_venue_event", [](PyKernel& k, Typed<type_names::Event> event) { return k.on_venue_event(event); },
             py::arg("event"), "Applies one venue event (as if the venue had delivered it).")
        .def("pump_venue", &PyKernel::pump_venue, "Applies whatever events the venue has queued.")
        .def("reconcile_from_slots", [](PyKernel& k, Typed<type_names::SlotSnapshots> snapshots) { return k.reconcile_from_slots(snapshots); },
             py::arg("snapshots"),
             "Rebuilds slots from SlotSnapshots (or TradeSlots; None entries are skipped), then from venue truth.")
        .def("restore", [](PyKernel& k, Typed<type_names::Recovered> recovered) { return k.restore(recovered); },
             py::arg("recovered"),
             "After a crash: account totals and slots from InMemoryZincPlane.recover(), then venue truth.")
        .def("slot", [](PyKernel& k, Typed<type_names::Int> slot_id) { return k.slot(slot_id); }, py::arg("slot_id"), "A copy of the slot now (IndexError if out of range).")
        .def_property_readonly("max_slots", &PyKernel::max_slots, "How many slots the kernel has.")
        .def("snapshot", &PyKernel::snapshot,
             "{'account': {initial_capital, capital, equity, realized_pnl, fees_paid, unrealized_pnl, "
             "used_margin, funding}, 'slots': [TradeSlot.to_dict() per slot]}")
        .def("account", &PyKernel::account, "The account now (capital, equity, PnL, fees, margin, funding).")
        .def("working_orders", &PyKernel::working_orders, "Orders the kernel believes are working at the venue.")
        .def("order", &PyKernel::order, py::arg("client_order_id"), "The kernel's record of one of its orders, or None.")
        .def("unmatched_events", &PyKernel::unmatched_events, "Events for unknown orders, kept for reconciliation.")
        .def("mark_price", &PyKernel::mark_price, py::arg("asset"), "The last mark price the kernel saw for asset, or None.")
        .def("mismatched_assets", &PyKernel::mismatched_assets,
             "Assets whose venue position the last reconcile could not match: {asset: venue net - kernel net}. "
             "ENTER is refused on them until a reconcile agrees.")
        .def_property_readonly("input_sequence", &PyKernel::input_sequence, "How many inputs the kernel has processed.")
        .def("state_hash", &PyKernel::state_hash, "Stable hash of slots, orders, account and marks.")
        .def_property_readonly("control_plane", &PyKernel::control_plane, "The control plane it reads.")
        .def_property_readonly("venue", &PyKernel::venue, "The venue it trades on.")
        .def_property_readonly("zinc_plane", &PyKernel::zinc_plane, "The journal it writes.")
        .def_property_readonly("clock", &PyKernel::clock, "The clock it reads time from.");
    install_fast_process_intent(cls);

    m.def(
        "transition_table",
        [] {
            py::list out;
            for (const FsmEdge& edge : transition_table()) {
                out.append(py::make_tuple(enum_to_py(edge.from), enum_to_py(edge.input), enum_to_py(edge.to)));
            }
            return out;
        },
        "The FSM as (from_state, input, to_state) tuples: every legal move.");
}

} // namespace dita::py_binding
