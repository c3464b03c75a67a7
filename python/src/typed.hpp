#pragma once
// Parameters the binding converts itself (so a bad value's error names the field) but that
// help(), editors and the .pyi stubs should show with their real Python type, not `handle`:
// a py::object that accepts anything and carries the type's name for pybind11's signatures.
#include <pybind11/pybind11.h>

namespace dita::py_binding {

template <typename Name>
class Typed : public pybind11::object {
public:
    using pybind11::object::object;
    static bool check_(pybind11::handle) { return true; } // the binding's own conversion checks
};

namespace type_names {
#define DITA_PY_TYPE_NAME(TAG, TEXT) \
    struct TAG { \
        static constexpr auto name = pybind11::detail::const_name(TEXT); \
    }
DITA_PY_TYPE_NAME(Int, "int");
DITA_PY_TYPE_NAME(Number, "float");
DITA_PY_TYPE_NAME(OptionalNumber, "Optional[float]");
DITA_PY_TYPE_NAME(OptionalDatetime, "Optional[datetime.datetime]");
DITA_PY_TYPE_NAME(Path, "Union[str, os.PathLike[str]]");
DITA_PY_TYPE_NAME(Intent, "dita.contracts.KernelIntent");
DITA_PY_TYPE_NAME(Intents, "Iterable[dita.contracts.KernelIntent]");
DITA_PY_TYPE_NAME(Event, "dita._core.VenueEvent");
DITA_PY_TYPE_NAME(Events, "Iterable[dita._core.VenueEvent]");
DITA_PY_TYPE_NAME(SlotSnapshots, "Iterable[Union[dita._core.SlotSnapshot, dita._core.TradeSlot, None]]");
DITA_PY_TYPE_NAME(Recovered, "dita._core.RecoveredState");
DITA_PY_TYPE_NAME(Control, "Optional[dita._core.InMemoryControlPlane]");
DITA_PY_TYPE_NAME(Zinc, "Optional[dita._core.ZincPlane]");
DITA_PY_TYPE_NAME(Venue, "Union[dita._core.MockVenueAdapter, dita._core.BingxVenueAdapter, dita.venue.VenueAdapter]");
DITA_PY_TYPE_NAME(KernelClock, "Union[dita._core.Clock, str, None]");
DITA_PY_TYPE_NAME(OptionalClock, "Optional[dita._core.Clock]");
DITA_PY_TYPE_NAME(Scenario, "Optional[dita.mock_venue.MockVenueScenario]");
DITA_PY_TYPE_NAME(Update, "dita.control.ControlUpdate");
DITA_PY_TYPE_NAME(OptionalUpdate, "Optional[dita.control.ControlUpdate]");
DITA_PY_TYPE_NAME(Kernel, "dita._core.ExecutionKernel");
DITA_PY_TYPE_NAME(AnyObject, "object");
DITA_PY_TYPE_NAME(Memo, "Optional[dict]");
#undef DITA_PY_TYPE_NAME
} // namespace type_names

} // namespace dita::py_binding

namespace pybind11::detail {
template <typename Name>
struct handle_type_name<dita::py_binding::Typed<Name>> {
    static constexpr auto name = Name::name;
};
} // namespace pybind11::detail
