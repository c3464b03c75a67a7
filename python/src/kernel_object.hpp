#pragma once
// The Python ExecutionKernel object: owns (references to) its control plane, venue, zinc plane
// and clock, converts at the boundary, and runs the C++ kernel without the GIL. A kernel made
// by the chaos module owns a ChaosStack instead: its inputs go through the stack, so the
// stack's input log stays whole and the C++ orchestrator and checker can work on it.
#include <chrono>
#include <memory>

#include "bingx_object.hpp"
#include "dita/contracts/assert.hpp"
#include "components.hpp"
#include "dita/chaos/orchestrator.hpp"
#include "dita/kernel/fsm.hpp"
#include "dita/kernel/kernel.hpp"
#include "python_venue.hpp"

namespace dita::py_binding {

inline constexpr std::int64_t default_clock_start_ns = 1'700'000'000'000'000'000LL;

class PyKernel {
public:
    PyKernel(py::handle max_slots, py::handle control, py::handle venue, py::handle zinc, py::handle initial_capital,
             py::handle clock) {
        KernelConfig config;
        config.max_slots = static_cast<int>(int_from_py(max_slots, "ExecutionKernel.max_slots", INT32_MIN, INT32_MAX));
        config.initial_capital = decimal_from_py(initial_capital, "ExecutionKernel.initial_capital");

        control_obj_ = control.is_none() ? py::cast(std::make_unique<PyControlPlane>())
                                         : py::reinterpret_borrow<py::object>(control);
        if (!py::isinstance<PyControlPlane>(control_obj_)) {
            raise_type_error("ExecutionKernel.control_plane", "an InMemoryControlPlane", control_obj_);
        }
        control_ = &control_obj_.cast<PyControlPlane&>();

        zinc_obj_ = zinc.is_none()
                        ? py::cast(std::make_unique<PyInMemoryZincPlane>(InMemoryZincPlane::default_capacity))
                        : py::reinterpret_borrow<py::object>(zinc);
        if (!py::isinstance<PyZincPlane>(zinc_obj_)) {
            raise_type_error("ExecutionKernel.zinc_plane", "an InMemoryZincPlane or a SqliteZincPlane", zinc_obj_);
        }
        zinc_ = &zinc_obj_.cast<PyZincPlane&>();

        // A live venue runs on wall time: its orders, fills and timeouts happen in it.
        const bool live_venue = py::isinstance<PyBingxVenue>(venue);
        if (clock.is_none() && live_venue) {
            clock_obj_ = py::cast(std::make_unique<PyWallClock>());
        } else if (clock.is_none() || (PyUnicode_Check(clock.ptr()) && clock.cast<std::string>() == "virtual")) {
            clock_obj_ = py::cast(std::make_unique<PyVirtualClock>(default_clock_start_ns));
        } else if (PyUnicode_Check(clock.ptr()) && clock.cast<std::string>() == "wall") {
            clock_obj_ = py::cast(std::make_unique<PyWallClock>());
        } else if (py::isinstance<PyClock>(clock)) {
            clock_obj_ = py::reinterpret_borrow<py::object>(clock);
        } else {
            raise_type_error("ExecutionKernel.clock", "a VirtualClock, a WallClock, 'virtual', 'wall' or None", clock);
        }
        clock_ = &clock_obj_.cast<PyClock&>();

        if (venue.is_none()) raise_type_error("ExecutionKernel.venue", "a venue adapter", venue);
        venue_obj_ = py::reinterpret_borrow<py::object>(venue);
        VenueAdapter* adapter = nullptr;
        if (py::isinstance<PyMockVenue>(venue_obj_)) {
            mock_ = &venue_obj_.cast<PyMockVenue&>();
            AccessLock lock(mock_->guards());
            if (!mock_->clock.bound()) mock_->bind_clock(clock_obj_, *clock_);
            adapter = &mock_->venue;
        } else if (live_venue) {
            bingx_ = &venue_obj_.cast<PyBingxVenue&>();
            adapter = &bingx_->venue;
        } else {
            python_venue_ = std::make_unique<PythonVenue>(venue_obj_);
            adapter = python_venue_.get();
        }

        guards_.add(&guard_);
        guards_.add(&control_->guard);
        guards_.add(&zinc_->guard);
        guards_.add(&clock_->guard);
        if (mock_ != nullptr) {
            const GuardSet venue_guards = mock_->guards();
            for (std::size_t i = 0; i < venue_guards.size(); ++i) guards_.add(venue_guards[i]);
        }
        if (bingx_ != nullptr) guards_.add(&bingx_->guard);
        // std::invalid_argument (bad max_slots or capital) reaches Python as ValueError.
        kernel_ = std::make_unique<ExecutionKernel>(config, control_->plane, *adapter, zinc_->plane(), clock_->clock());
        kernel_ptr_ = kernel_.get();
        adapter_ = adapter;
    }

    // A kernel on a chaos stack (the chaos module's build_test_kernel).
    explicit PyKernel(std::unique_ptr<chaos::ChaosStack> stack)
        : control_obj_(py::none()), venue_obj_(py::none()), zinc_obj_(py::none()), clock_obj_(py::none()),
          stack_(std::move(stack)) {
        guards_.add(&guard_);
        kernel_ptr_ = &stack_->kernel();
    }

    KernelOutcome process_intent(py::handle intent) {
        // The conversion made when the intent was constructed, when there is one: the caller
        // holds `intent`, so it outlives the call.
        if (const KernelIntent* cached = cached_intent(intent)) return process_converted(*cached);
        const KernelIntent converted = intent_from_py(intent);
        return process_converted(converted);
    }

    // process_intent's fast path (bind_kernel.cpp): an intent checked at construction, its
    // outcome written into a KernelOutcome object of the kernel's own when nobody else holds that
    // object any more (so a caller that drops its outcomes allocates nothing), else into a new
    // one. Returns a new reference; nullptr without an error set means "not an intent the fast
    // path takes" (the generic path converts it and names the field that is wrong); nullptr
    // with an error set is the call's exception, as the generic path would raise it.
    PyObject* process_intent_fast(PyObject* intent_obj) {
        const KernelIntent* intent = cached_intent(intent_obj);
        if (intent == nullptr) return nullptr;
        py::object box = reusable_outcome();
        KernelOutcome& out = outcome_value(box);
        call([&](ExecutionKernel& k) {
            out = stack_ ? stack_->process_intent(*intent) : k.process_intent(*intent);
            return 0;
        });
        if (!spare_outcome_) spare_outcome_ = box; // a concurrent call may have put its own back
        return box.release().ptr();
    }

    py::list process_intents(py::handle intents) {
        std::vector<KernelIntent> converted = convert_intents(intents);
        std::vector<KernelOutcome> outcomes;
        outcomes.reserve(converted.size());
        call([&](ExecutionKernel& k) {
            for (const KernelIntent& intent : converted) {
                outcomes.push_back(stack_ ? stack_->process_intent(intent) : k.process_intent(intent));
            }
            return 0;
        });
        py::list out(outcomes.size());
        for (std::size_t i = 0; i < outcomes.size(); ++i) out[i] = py::cast(std::move(outcomes[i]));
        return out;
    }

    // For the overhead benchmark: the same calls as a Python loop of process_intent, timed in C++.
    std::int64_t process_intents_timed(py::handle intents) {
        std::vector<KernelIntent> converted = convert_intents(intents);
        return call([&](ExecutionKernel& k) {
            const auto start = std::chrono::steady_clock::now();
            for (const KernelIntent& intent : converted) {
                KernelOutcome outcome = k.process_intent(intent);
                asm volatile("" : : "g"(&outcome) : "memory"); // keep the outcome from being optimised away
            }
            return static_cast<std::int64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
        });
    }

    KernelOutcome on_venue_event(py::handle event) {
        const VenueEvent converted = Conv<VenueEvent>::from(event, "ExecutionKernel.on_venue_event(event)");
        return call([&](ExecutionKernel& k) { return stack_ ? stack_->on_venue_event(converted) : k.on_venue_event(converted); });
    }

    KernelOutcome pump_venue() {
        return call([this](ExecutionKernel& k) { return stack_ ? stack_->pump_venue() : k.pump_venue(); });
    }

    KernelOutcome reconcile_from_slots(py::handle snapshots) {
        if (PyUnicode_Check(snapshots.ptr()) || !py::isinstance<py::iterable>(snapshots)) {
            raise_type_error("ExecutionKernel.reconcile_from_slots(snapshots)",
                             "an iterable of SlotSnapshot, TradeSlot or None", snapshots);
        }
        std::vector<SlotSnapshot> converted;
        std::size_t index = 0;
        for (py::handle item : py::iter(snapshots)) {
            const std::string where = "reconcile_from_slots(snapshots)[" + std::to_string(index++) + "]";
            if (item.is_none()) continue; // the seed passes None for slots it has no snapshot of
            if (py::isinstance<SlotSnapshot>(item)) {
                converted.push_back(item.cast<const SlotSnapshot&>());
            } else if (py::isinstance<SlotView>(item)) {
                converted.push_back(item.cast<const SlotView&>().snapshot);
            } else {
                raise_type_error(where, "a SlotSnapshot, a TradeSlot or None", item);
            }
            // More snapshots than slots means a duplicate or a bad slot id, which the kernel
            // reports; there is no need to convert an unbounded input to learn that.
            if (converted.size() > static_cast<std::size_t>(kernel_ptr_->max_slots())) break;
        }
        return call([&](ExecutionKernel& k) {
            return stack_ ? stack_->reconcile_from_slots(converted) : k.reconcile_from_slots(converted);
        });
    }

    KernelOutcome restore(py::handle recovered) {
        const RecoveredState converted = Conv<RecoveredState>::from(recovered, "ExecutionKernel.restore(recovered)");
        return call([&](ExecutionKernel& k) { return k.restore(converted); });
    }

    SlotView slot(py::handle slot_id) {
        const int id = static_cast<int>(int_from_py(slot_id, "ExecutionKernel.slot(slot_id)", INT32_MIN, INT32_MAX));
        if (!kernel_ptr_->valid_slot(id)) {
            throw py::index_error("slot " + std::to_string(id) + " is outside 0.." +
                                  std::to_string(kernel_ptr_->max_slots() - 1));
        }
        AccessLock lock(own_guard());
        return SlotView{kernel_ptr_->slot_snapshot(id)};
    }

    py::dict snapshot() {
        AccountSnapshot account;
        std::vector<TradeSlot> slots;
        {
            AccessLock lock(own_guard());
            account = kernel_ptr_->account();
            for (int i = 0; i < kernel_ptr_->max_slots(); ++i) slots.push_back(kernel_ptr_->slot(i));
        }
        py::dict out;
        out["account"] = py::cast(account).attr("to_dict")();
        py::list slot_dicts;
        for (TradeSlot& slot : slots) {
            slot_dicts.append(py::cast(SlotView{SlotSnapshot{std::move(slot), {}}}).attr("to_dict")());
        }
        out["slots"] = slot_dicts;
        return out;
    }

    AccountSnapshot account() {
        AccessLock lock(own_guard());
        return kernel_ptr_->account();
    }

    std::vector<OrderRecord> working_orders() {
        AccessLock lock(own_guard());
        return kernel_ptr_->working_orders();
    }

    std::optional<OrderRecord> order(const std::string& client_order_id) {
        AccessLock lock(own_guard());
        return kernel_ptr_->order(client_order_id);
    }

    std::vector<VenueEvent> unmatched_events() {
        AccessLock lock(own_guard());
        return {kernel_ptr_->unmatched_events().begin(), kernel_ptr_->unmatched_events().end()};
    }

    py::dict mismatched_assets() {
        std::map<AssetName, Decimal> copy;
        {
            AccessLock lock(own_guard());
            copy = kernel_ptr_->mismatched_assets();
        }
        py::dict out;
        for (const auto& [asset, difference] : copy) out[fixed_to_py(asset)] = decimal_to_py(difference);
        return out;
    }

    std::optional<Decimal> mark_price(const std::string& asset) {
        AccessLock lock(own_guard());
        return kernel_ptr_->mark_price(asset);
    }

    std::uint64_t input_sequence() {
        AccessLock lock(own_guard());
        return kernel_ptr_->input_sequence();
    }

    std::uint64_t state_hash() {
        AccessLock lock(own_guard());
        return kernel_ptr_->state_hash();
    }

    int max_slots() const { return kernel_ptr_->max_slots(); }
    const py::object& control_plane() const { return control_obj_; }
    const py::object& venue() const { return venue_obj_; }
    const py::object& zinc_plane() const { return zinc_obj_; }
    const py::object& clock() const { return clock_obj_; }

    // For the chaos binding.
    chaos::ChaosStack* stack() { return stack_.get(); }
    ExecutionKernel& raw() { return *kernel_ptr_; }
    VenueAdapter* adapter() { return stack_ ? &stack_->venue() : adapter_; }

    // Runs f on the kernel with the GIL released and every guard it needs held.
    template <typename F>
    auto call(F&& f) -> decltype(f(std::declval<ExecutionKernel&>())) {
        if (guard_.held_here()) {
            throw std::runtime_error("ExecutionKernel is not reentrant: it was called from inside one of its own venue "
                                     "callbacks");
        }
        if (guards_held_by_this_thread() > 0) {
            throw std::runtime_error("an ExecutionKernel cannot be called from inside another kernel's venue callback");
        }
        using Result = decltype(f(std::declval<ExecutionKernel&>()));
        std::optional<Result> result;
        {
            const GilRelease nogil;
            BlockingLock lock(guards_);
            result.emplace(f(*kernel_ptr_));
        }
        if (python_venue_) python_venue_->raise_pending_interrupt();
        return std::move(*result);
    }

private:
    KernelOutcome process_converted(const KernelIntent& intent) {
        return call([&](ExecutionKernel& k) { return stack_ ? stack_->process_intent(intent) : k.process_intent(intent); });
    }

    // The kept outcome object when only the kernel refers to it (no caller, no weak reference),
    // taken out of its place so that a concurrent call cannot use it too; else a new one.
    // Under the GIL.
    py::object reusable_outcome() {
        py::object box = std::move(spare_outcome_);
        if (box && Py_REFCNT(box.ptr()) == 1 &&
            reinterpret_cast<py::detail::instance*>(box.ptr())->weakrefs == nullptr) {
            return box;
        }
        static const py::detail::type_info* outcome_type = py::detail::get_type_info(typeid(KernelOutcome));
        KernelOutcome empty;
        return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
            &empty, py::return_value_policy::move, py::handle(), outcome_type, nullptr, [](const void* from) -> void* {
                return new KernelOutcome(std::move(*static_cast<KernelOutcome*>(const_cast<void*>(from))));
            }));
    }

    // A KernelOutcome object's C++ value. Value classes have no C++ bases, so pybind11 keeps the
    // value pointer in the instance itself (its "simple layout").
    static KernelOutcome& outcome_value(const py::object& box) {
        auto* inst = reinterpret_cast<py::detail::instance*>(box.ptr());
        DITA_ASSERT(inst->simple_layout && inst->simple_value_holder[0] != nullptr);
        return *static_cast<KernelOutcome*>(inst->simple_value_holder[0]);
    }

    GuardSet own_guard() {
        GuardSet set;
        set.add(&guard_);
        return set;
    }

    std::vector<KernelIntent> convert_intents(py::handle intents) {
        if (PyUnicode_Check(intents.ptr()) || !py::isinstance<py::iterable>(intents)) {
            raise_type_error("ExecutionKernel.process_intents(intents)", "an iterable of KernelIntent", intents);
        }
        std::vector<KernelIntent> out;
        for (py::handle item : py::iter(intents)) {
            const KernelIntent* cached = cached_intent(item);
            out.push_back(cached != nullptr ? *cached : intent_from_py(item));
        }
        return out;
    }

    Guard guard_;
    py::object control_obj_;
    py::object venue_obj_;
    py::object zinc_obj_;
    py::object clock_obj_;
    PyControlPlane* control_ = nullptr;
    PyZincPlane* zinc_ = nullptr;
    PyClock* clock_ = nullptr;
    PyMockVenue* mock_ = nullptr;
    PyBingxVenue* bingx_ = nullptr;
    std::unique_ptr<PythonVenue> python_venue_;
    py::object spare_outcome_; // process_intent_fast's reusable outcome object, or empty
    GuardSet guards_;
    VenueAdapter* adapter_ = nullptr;
    std::unique_ptr<chaos::ChaosStack> stack_; // owns its own kernel, venue, clock and log
    std::unique_ptr<ExecutionKernel> kernel_; // last: destroyed first, while what it references lives
    ExecutionKernel* kernel_ptr_ = nullptr;  // kernel_ or the stack's
};


} // namespace dita::py_binding
