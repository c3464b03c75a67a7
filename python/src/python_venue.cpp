#include "python_venue.hpp"

namespace dita::py_binding {

namespace {

constexpr const char* protocol_methods[] = {"instrument", "submit_order", "cancel_order", "drain_events",
                                            "query_order", "open_orders",  "positions"};

py::str text(std::string_view value) { return py::str(value.data(), value.size()); }

std::string describe(const py::error_already_set& err) {
    std::string out = py::str(err.type().attr("__name__")).cast<std::string>();
    if (err.value()) {
        const std::string message = py::str(err.value()).cast<std::string>();
        if (!message.empty()) out += ": " + message;
    }
    return out;
}

} // namespace

PythonVenue::PythonVenue(py::object target) : target_(std::move(target)) {
    std::string missing;
    for (const char* method : protocol_methods) {
        const bool ok = PyObject_HasAttrString(target_.ptr(), method) == 1 &&
                        PyCallable_Check(target_.attr(method).ptr()) == 1;
        if (!ok) missing += missing.empty() ? method : std::string(", ") + method;
    }
    if (!missing.empty()) {
        throw py::type_error("venue must be a MockVenueAdapter or implement the VenueAdapter protocol; " +
                             type_name_of(target_) + " lacks " + missing);
    }
    name_ = Py_TYPE(target_.ptr())->tp_name;
    if (PyObject_HasAttrString(target_.ptr(), "name") == 1) {
        py::object name = target_.attr("name");
        if (PyCallable_Check(name.ptr()) == 1) name = name();
        if (!PyUnicode_Check(name.ptr())) raise_type_error("venue.name()", "a str", name);
        name_ = name.cast<std::string>();
    }
}

PythonVenue::~PythonVenue() = default;

void PythonVenue::raise_pending_interrupt() {
    if (!pending_type_) return;
    PyErr_Restore(pending_type_.release().ptr(), pending_value_.release().ptr(), pending_trace_.release().ptr());
    throw py::error_already_set();
}

PythonVenue::Failure PythonVenue::classify(py::error_already_set& err, const char* method) const {
    Failure out;
    if (err.matches(venue_unavailable_error())) {
        out.unavailable = true;
        out.detail = py::str(err.value()).cast<std::string>();
        return out;
    }
    if (err.matches(venue_timeout_error())) {
        out.detail = "no answer: " + py::str(err.value()).cast<std::string>();
        return out;
    }
    out.detail = "venue " + name_ + "." + method + " raised " + describe(err);
    if (!err.matches(PyExc_Exception)) {
        // KeyboardInterrupt, SystemExit: the kernel finishes this input, then the caller gets it.
        if (!pending_type_) {
            pending_type_ = err.type();
            pending_value_ = err.value();
            pending_trace_ = err.trace();
        }
        return out;
    }
    const std::string context = "dita: " + out.detail + " (the kernel treats it as a failed venue call)";
    err.discard_as_unraisable(context.c_str());
    return out;
}

template <typename Body, typename OnFailure>
auto PythonVenue::guarded(const char* method, Body body, OnFailure on_failure) const -> decltype(body()) {
    try {
        return body();
    } catch (py::error_already_set& err) {
        return on_failure(classify(err, method));
    } catch (py::builtin_exception& e) {
        e.set_error();
        py::error_already_set err;
        return on_failure(classify(err, method));
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        py::error_already_set err;
        return on_failure(classify(err, method));
    }
}

std::optional<InstrumentSpec> PythonVenue::instrument(std::string_view asset) const {
    py::gil_scoped_acquire gil;
    return guarded(
        "instrument",
        [&]() -> std::optional<InstrumentSpec> {
            py::object result = target_.attr("instrument")(text(asset));
            if (result.is_none()) return std::nullopt;
            return Conv<InstrumentSpec>::from(result, "venue.instrument() result");
        },
        [](const Failure&) -> std::optional<InstrumentSpec> { return std::nullopt; });
}

VenueCallResult PythonVenue::submit_order(const OrderRequest& request) {
    py::gil_scoped_acquire gil;
    return guarded(
        "submit_order",
        [&] { return Conv<VenueCallResult>::from(target_.attr("submit_order")(request), "venue.submit_order() result"); },
        [](const Failure& f) {
            // An exception may have come after the order left: only "not sent" is certain.
            return VenueCallResult{f.unavailable ? VenueCallStatus::UNAVAILABLE : VenueCallStatus::UNKNOWN, Id(),
                                   f.detail};
        });
}

VenueCallResult PythonVenue::cancel_order(const CancelRequest& request) {
    py::gil_scoped_acquire gil;
    return guarded(
        "cancel_order",
        [&] { return Conv<VenueCallResult>::from(target_.attr("cancel_order")(request), "venue.cancel_order() result"); },
        [](const Failure& f) {
            return VenueCallResult{f.unavailable ? VenueCallStatus::UNAVAILABLE : VenueCallStatus::UNKNOWN, Id(),
                                   f.detail};
        });
}

void PythonVenue::drain_events(EventSink& sink) {
    py::gil_scoped_acquire gil;
    guarded(
        "drain_events",
        [&] {
            py::object events = target_.attr("drain_events")();
            if (events.is_none()) return;
            std::size_t count = 0;
            for (py::handle item : py::iter(events)) {
                // Delivered one by one so the events before a bad item still count.
                sink.deliver(Conv<VenueEvent>::from(item, "venue.drain_events() item " + std::to_string(count)));
                if (++count == events_per_drain_max) {
                    throw py::value_error("venue.drain_events() yielded more than " +
                                          std::to_string(events_per_drain_max) +
                                          " events in one call; the rest were not taken");
                }
            }
        },
        [](const Failure&) {});
}

VenueQuery<std::optional<VenueOrder>> PythonVenue::query_order(std::string_view asset,
                                                               std::string_view client_order_id) {
    using Answer = VenueQuery<std::optional<VenueOrder>>;
    py::gil_scoped_acquire gil;
    return guarded(
        "query_order",
        [&] {
            Answer out;
            py::object result = target_.attr("query_order")(text(asset), text(client_order_id));
            if (!result.is_none()) out.value = Conv<VenueOrder>::from(result, "venue.query_order() result");
            return out;
        },
        [](const Failure& f) { return Answer{VenueCallStatus::UNAVAILABLE, std::nullopt, f.detail}; });
}

VenueQuery<std::vector<VenueOrder>> PythonVenue::open_orders(std::string_view asset) {
    using Answer = VenueQuery<std::vector<VenueOrder>>;
    py::gil_scoped_acquire gil;
    return guarded(
        "open_orders",
        [&] {
            return Answer{VenueCallStatus::ACCEPTED,
                          Conv<std::vector<VenueOrder>>::from(target_.attr("open_orders")(text(asset)),
                                                              "venue.open_orders() result"),
                          {}};
        },
        [](const Failure& f) { return Answer{VenueCallStatus::UNAVAILABLE, {}, f.detail}; });
}

VenueQuery<std::vector<VenuePosition>> PythonVenue::positions(std::string_view asset) {
    using Answer = VenueQuery<std::vector<VenuePosition>>;
    py::gil_scoped_acquire gil;
    return guarded(
        "positions",
        [&] {
            return Answer{VenueCallStatus::ACCEPTED,
                          Conv<std::vector<VenuePosition>>::from(target_.attr("positions")(text(asset)),
                                                                 "venue.positions() result"),
                          {}};
        },
        [](const Failure& f) { return Answer{VenueCallStatus::UNAVAILABLE, {}, f.detail}; });
}

bool PythonVenue::has_method(const char* method) const {
    return PyObject_HasAttrString(target_.ptr(), method) == 1 && PyCallable_Check(target_.attr(method).ptr()) == 1;
}

PositionMode PythonVenue::position_mode() const {
    py::gil_scoped_acquire gil;
    if (!has_method("position_mode")) return PositionMode::ONE_WAY;
    return guarded(
        "position_mode",
        [&] { return Conv<PositionMode>::from(target_.attr("position_mode")(), "venue.position_mode() result"); },
        [](const Failure&) { return PositionMode::ONE_WAY; });
}

VenueQuery<std::vector<VenueEvent>> PythonVenue::venue_moves(std::string_view asset) {
    using Answer = VenueQuery<std::vector<VenueEvent>>;
    py::gil_scoped_acquire gil;
    if (!has_method("venue_moves")) return Answer{};
    return guarded(
        "venue_moves",
        [&] {
            return Answer{VenueCallStatus::ACCEPTED,
                          Conv<std::vector<VenueEvent>>::from(target_.attr("venue_moves")(text(asset)),
                                                              "venue.venue_moves() result"),
                          {}};
        },
        [](const Failure& f) { return Answer{VenueCallStatus::UNAVAILABLE, {}, f.detail}; });
}

} // namespace dita::py_binding
