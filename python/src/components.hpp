#pragma once
// The Python-owned components a kernel uses. Each carries the Guard that serialises access
// to it across Python threads (the GIL is released during kernel calls).
#include <memory>

#include "dita/control/control_plane.hpp"
#include "dita/venues/mock/mock_venue.hpp"
#include "dita/zinc/zinc_plane.hpp"
#include "values.hpp"

namespace dita::py_binding {

struct PyClock {
    virtual ~PyClock() = default;
    virtual const Clock& clock() const = 0;
    Guard guard;
};

struct PyVirtualClock final : PyClock {
    explicit PyVirtualClock(std::int64_t start_ns) : value(start_ns) {}
    const Clock& clock() const override { return value; }
    VirtualClock value;
};

struct PyWallClock final : PyClock {
    const Clock& clock() const override { return value; }
    WallClock value;
};

// The mock venue's clock. A venue is usually built before its kernel, so it reads the
// kernel's clock once the kernel binds it (or one given at construction); until then 0.
class ForwardingClock final : public Clock {
public:
    std::int64_t now_ns() const override { return target_ != nullptr ? target_->now_ns() : 0; }
    void bind(const Clock* target) { target_ = target; }
    bool bound() const { return target_ != nullptr; }

private:
    const Clock* target_ = nullptr;
};

struct PyMockVenue {
    explicit PyMockVenue(MockVenueScenario converted) : venue(std::move(converted), &clock) {}
    // Called with the GIL held and the venue's guard held (or the venue not shared yet).
    void bind_clock(py::object owner, PyClock& box) {
        clock.bind(&box.clock());
        clock_box = &box;
        clock_owner = std::move(owner);
    }
    GuardSet guards() {
        GuardSet set;
        set.add(&guard);
        if (clock_box != nullptr) set.add(&clock_box->guard);
        return set;
    }

    Guard guard;
    ForwardingClock clock;
    PyClock* clock_box = nullptr;
    py::object clock_owner; // keeps clock_box alive
    py::object scenario;    // as the user gave it
    MockVenueAdapter venue;
};

// A zinc plane a kernel can journal to.
struct PyZincPlane {
    virtual ~PyZincPlane() = default;
    virtual ZincPlane& plane() = 0;
    Guard guard;
};

struct PyInMemoryZincPlane final : PyZincPlane {
    explicit PyInMemoryZincPlane(std::size_t capacity) : value(capacity) {}
    ZincPlane& plane() override { return value; }
    InMemoryZincPlane value;
};

struct PyControlPlane {
    Guard guard;
    InMemoryControlPlane plane;
};


// The fields of MockVenueScenario, by the C++ names (python/dita/mock_venue.py mirrors them).
const FieldList<MockVenueScenario>& scenario_fields();
MockVenueScenario scenario_from_py(py::handle obj);
ControlUpdate control_update_from_py(py::handle obj);

} // namespace dita::py_binding
