#pragma once
// A venue written in Python, seen by the C++ kernel as a dita::VenueAdapter.
//
// The kernel runs without the GIL; every call into Python takes it. Whatever the Python code
// does, nothing unwinds through the kernel: answers are converted to the venue contract's
// values, and exceptions become those values too:
//   dita.VenueUnavailableError  -> UNAVAILABLE (the call was not made)
//   dita.VenueTimeoutError      -> UNKNOWN for submit/cancel (no answer), UNAVAILABLE for queries
//   any other Exception         -> the same, and it is reported through sys.unraisablehook
//                                  (a bug in the venue code must not pass silently)
//   KeyboardInterrupt etc.      -> the same for the kernel, then re-raised to the caller once
//                                  the kernel call has finished.
#include <optional>
#include <string>

#include "dita/contracts/venue.hpp"
#include "values.hpp"

namespace dita::py_binding {

class PythonVenue final : public VenueAdapter {
public:
    // Caps the events one drain_events() call may yield: a runaway generator is cut off.
    static constexpr std::size_t events_per_drain_max = 65536;

    // GIL held. Raises TypeError when `target` lacks a protocol method.
    explicit PythonVenue(py::object target);
    ~PythonVenue() override; // GIL held (owned by a Python object)

    std::string_view name() const override { return name_; }
    std::optional<InstrumentSpec> instrument(std::string_view asset) const override;
    VenueCallResult submit_order(const OrderRequest& request) override;
    VenueCallResult cancel_order(const CancelRequest& request) override;
    void drain_events(EventSink& sink) override;
    VenueQuery<std::optional<VenueOrder>> query_order(std::string_view asset,
                                                      std::string_view client_order_id) override;
    VenueQuery<std::vector<VenueOrder>> open_orders(std::string_view asset) override;
    VenueQuery<std::vector<VenuePosition>> positions(std::string_view asset) override;
    // Optional protocol methods: position_mode() (a PositionMode or its name; ONE_WAY when
    // absent, which keeps every entry exitable) and venue_moves(asset) (events; none when absent).
    PositionMode position_mode() const override;
    VenueQuery<std::vector<VenueEvent>> venue_moves(std::string_view asset) override;

    const py::object& target() const { return target_; }
    // GIL held: re-raises an interrupt (KeyboardInterrupt, SystemExit) a callback caught.
    void raise_pending_interrupt();

private:
    struct Failure {
        bool unavailable = false; // the call was not made
        std::string detail;
    };
    // Runs body(); anything it throws becomes on_failure(Failure).
    template <typename Body, typename OnFailure>
    auto guarded(const char* method, Body body, OnFailure on_failure) const -> decltype(body());
    bool has_method(const char* method) const; // GIL held
    // Classifies the caught Python error; reports bugs, stashes interrupts.
    Failure classify(py::error_already_set& err, const char* method) const;

    py::object target_;
    std::string name_;
    mutable py::object pending_type_;
    mutable py::object pending_value_;
    mutable py::object pending_trace_;
};

} // namespace dita::py_binding
