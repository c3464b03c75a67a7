// The dita extension module (dita._core). The dita package wraps it with Python-side value
// types (dataclasses for the inputs users build) and re-exports everything.
#include "binding.hpp"

namespace dita::py_binding {

namespace {
PyObject* unavailable_error = nullptr; // owned by the module for the process lifetime
PyObject* timeout_error = nullptr;

} // namespace

PyObject* venue_unavailable_error() { return unavailable_error; }
PyObject* venue_timeout_error() { return timeout_error; }

} // namespace dita::py_binding

PYBIND11_MODULE(_core, m) {
    using namespace dita;
    using namespace dita::py_binding;
    m.doc() = "dita C++ kernel binding (use the dita package, not this module)";

    register_enum<TradeSide>(m, "Side of a position: LONG or SHORT.");
    register_enum<KernelCommandType>(m, "What an intent asks for.");
    register_enum<TradeStage>(m, "The slot lifecycle FSM states.");
    register_enum<KernelDiagnosticCode>(m, "What the kernel says about an input.");
    register_enum<KernelSeverity>(m, "How serious a diagnostic is.");
    register_enum<KernelEventKind>(m, "What a venue event reports.");
    register_enum<VenueOrderStatus>(m, "An order's status at the venue.");
    register_enum<VenueEventStatus>(m, "The order status an event reports (INFO: not about an order).");
    register_enum<KernelMode>(m, "Kernel mode: NORMAL, DEBUG (checks + tracing), REDUCE_ONLY, HALTED.");
    register_enum<KernelVerbosity>(m, "Kernel verbosity.");
    register_enum<OrderPurpose>(m, "Whether an order opens (ENTRY) or reduces (EXIT) a position.");
    register_enum<VenueCallStatus>(m, "A venue's answer to a call.");
    register_enum<FsmInput>(m, "What moves a slot from one TradeStage to another.");
    register_enum<PositionMode>(m, "HEDGE (long and short apart) or ONE_WAY (one net position per asset).");

    unavailable_error = PyErr_NewExceptionWithDoc(
        "dita.VenueUnavailableError",
        "Raised by a Python venue: the call was not made (the kernel sees UNAVAILABLE).", PyExc_ConnectionError,
        nullptr);
    timeout_error = PyErr_NewExceptionWithDoc(
        "dita.VenueTimeoutError",
        "Raised by a Python venue: no answer; an order may or may not exist (the kernel sees UNKNOWN).",
        PyExc_TimeoutError, nullptr);
    if (unavailable_error == nullptr || timeout_error == nullptr) throw py::error_already_set();
    m.attr("VenueUnavailableError") = py::reinterpret_borrow<py::object>(unavailable_error);
    m.attr("VenueTimeoutError") = py::reinterpret_borrow<py::object>(timeout_error);

    bind_values(m);
    bind_components(m);
    bind_kernel(m);
    bind_chaos(m);
    bind_bingx(m);

#ifdef DITA_PYTHON_SANITIZED
    m.attr("_sanitized") = true; // memory figures (RSS) mean little under ASan's quarantine
#else
    m.attr("_sanitized") = false;
#endif
    m.def("_intent_check", [](py::handle intent, bool remember) { check_intent(intent, remember); },
          py::arg("intent"), py::arg("remember") = false,
          "Converts an intent as process_intent would, raising TypeError/ValueError for bad fields; "
          "remember=True (KernelIntent's own check) keeps the result for process_intent.");
    m.def("_cached_intents", &cached_intent_count, "How many intents' conversions are kept (for tests).");
}
