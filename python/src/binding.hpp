#pragma once
// Shared pieces of the dita Python extension: thread guards, the str-Enum registry, type
// casters and boundary conversions. Python sees floats, str enums and datetimes; the C++
// side sees Decimal, enum class and nanoseconds. Every conversion failure is a Python
// TypeError/ValueError naming the field; nothing from C++ unwinds into Python unchecked.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dita/contracts/clock.hpp"
#include "dita/contracts/decimal.hpp"
#include "dita/contracts/enums.hpp"
#include "dita/contracts/fixed_string.hpp"
#include "dita/contracts/types.hpp"

namespace dita::py_binding {

namespace py = pybind11;

// ---------------------------------------------------------------------------------------
// Guards. The kernel and its components are single-threaded C++; the binding releases the
// GIL during kernel calls, so each bound object carries a Guard. A kernel call locks the
// guards of everything it touches in address order. Rules that keep this deadlock-free:
// nobody blocks on a guard while holding the GIL, and a thread that already holds guards
// (inside a venue callback) never blocks on another one.

//
// A Guard is a futex-style lock (an atomic word; a thread that must wait sleeps in
// std::atomic::wait) rather than a std::mutex: uncontended, locking and unlocking are one
// atomic instruction each, which matters because every kernel call locks four to six guards.
// Guards do not count themselves in guards_held_by_this_thread(); the BlockingLock or
// AccessLock holding them does, once per set (a thread-local costs a call in a shared object).
class Guard {
public:
    bool held_here() const { return owner_.load(std::memory_order_acquire) == std::this_thread::get_id(); }
    bool try_lock() {
        std::uint32_t expected = free_state;
        if (!state_.compare_exchange_strong(expected, held_state, std::memory_order_acquire)) return false;
        owner_.store(std::this_thread::get_id(), std::memory_order_release);
        return true;
    }
    void lock() {
        if (!try_lock()) lock_contended();
    }
    void unlock() {
        owner_.store(std::thread::id(), std::memory_order_release);
        if (state_.exchange(free_state, std::memory_order_release) == waited_state) state_.notify_one();
    }

private:
    static constexpr std::uint32_t free_state = 0;
    static constexpr std::uint32_t held_state = 1;
    static constexpr std::uint32_t waited_state = 2; // held, and someone may be waiting
    void lock_contended();

    std::atomic<std::uint32_t> state_{free_state};
    std::atomic<std::thread::id> owner_{};
};

// How many guards this thread holds: non-zero means "inside a kernel call", e.g. in a venue callback.
int guards_held_by_this_thread();

class GuardSet {
public:
    static constexpr std::size_t capacity = 8;
    void add(Guard* guard);
    std::size_t size() const { return size_; }
    Guard* operator[](std::size_t i) const { return guards_[i]; }

private:
    std::array<Guard*, capacity> guards_{};
    std::size_t size_ = 0;
};

// The GIL released for a scope: PyEval_SaveThread/RestoreThread directly. (pybind11's
// gil_scoped_release does the same plus a look-up of its internals, a few hundred instructions
// per kernel call.) The thread state stays this thread's, so pybind11's gil_scoped_acquire in
// a venue callback finds it.
class GilRelease {
public:
    GilRelease() : state_(PyEval_SaveThread()) {}
    ~GilRelease() { PyEval_RestoreThread(state_); }
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;

private:
    PyThreadState* state_;
};

// The guards of a set this thread did not hold yet, locked in address order and released
// (in reverse) when it goes: the base of the two locks below.
class HeldGuards {
public:
    HeldGuards(const HeldGuards&) = delete;
    HeldGuards& operator=(const HeldGuards&) = delete;

protected:
    HeldGuards() = default;
    ~HeldGuards() { release(); }
    void lock_all(const GuardSet& set);     // blocking
    bool try_lock_all(const GuardSet& set); // false, holding nothing, when one is taken
    void release();

private:
    std::array<Guard*, GuardSet::capacity> locked_{};
    std::size_t count_ = 0;
};

// Locks the guards of a set this thread does not hold yet, blocking. Call only without the GIL.
class BlockingLock : private HeldGuards {
public:
    explicit BlockingLock(const GuardSet& set) { lock_all(set); }
};

// For short accessors called with the GIL held: try-locks first; on contention releases the
// GIL while waiting. Inside a venue callback it refuses to wait (RuntimeError) instead of
// risking a lock-order inversion.
class AccessLock : private HeldGuards {
public:
    explicit AccessLock(const GuardSet& set);
};

// ---------------------------------------------------------------------------------------
// Enums: each C++ enum is a Python `str` Enum whose values are the member names, built from
// the same X-macro list at import. Members are cached so conversion is a pointer compare.

template <typename E>
concept DitaEnum = requires { EnumNames<E>::type_name; };

template <DitaEnum E>
inline PyObject* enum_class = nullptr; // strong reference, kept for the process lifetime

template <DitaEnum E>
inline std::array<PyObject*, enum_count<E>()> enum_members{};

PyObject* enum_base_class(); // enum.Enum

template <DitaEnum E>
void register_enum(py::module_& m, const char* doc) {
    py::object enum_type = py::module_::import("enum").attr("Enum");
    py::list names;
    for (const std::string_view name : EnumNames<E>::names) {
        names.append(py::make_tuple(py::str(name.data(), name.size()), py::str(name.data(), name.size())));
    }
    const std::string type_name(EnumNames<E>::type_name);
    py::object cls = enum_type(py::str(type_name), names, py::arg("module") = "dita",
                               py::arg("qualname") = type_name,
                               py::arg("type") = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyUnicode_Type)));
    cls.attr("__doc__") = doc;
    for (std::size_t i = 0; i < enum_count<E>(); ++i) {
        const std::string_view name = EnumNames<E>::names[i];
        enum_members<E>[i] = py::object(cls.attr(py::str(name.data(), name.size()))).release().ptr();
    }
    m.attr(type_name.c_str()) = cls;
    enum_class<E> = cls.release().ptr();
}

template <DitaEnum E>
py::object enum_to_py(E value) {
    const auto index = static_cast<std::size_t>(value);
    if (index >= enum_count<E>()) {
        throw py::value_error(std::string("internal: ") + std::string(EnumNames<E>::type_name) + " value " +
                              std::to_string(index) + " has no name");
    }
    return py::reinterpret_borrow<py::object>(enum_members<E>[index]);
}

std::string type_name_of(py::handle obj);
[[noreturn]] void raise_type_error(const std::string& where, const char* expected, py::handle got);

template <DitaEnum E>
E enum_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    for (std::size_t i = 0; i < enum_count<E>(); ++i) {
        if (enum_members<E>[i] == raw) return static_cast<E>(i);
    }
    const std::string expected(EnumNames<E>::type_name);
    // A member of another enum that happens to share a name (ORDER_REJECTED is both a stage
    // and a diagnostic) is a mistake, not a synonym.
    if (PyObject_IsInstance(raw, enum_base_class()) == 1) raise_type_error(where, expected.c_str(), obj);
    if (PyUnicode_Check(raw)) {
        Py_ssize_t size = 0;
        const char* text = PyUnicode_AsUTF8AndSize(raw, &size);
        if (text == nullptr) {
            PyErr_Clear();
            throw py::value_error(where + ": not valid UTF-8 text (a lone surrogate?)");
        }
        if (const auto found = enum_from_string<E>(std::string_view(text, static_cast<std::size_t>(size)))) {
            return *found;
        }
        std::string names;
        for (const std::string_view name : EnumNames<E>::names) {
            if (!names.empty()) names += ", ";
            names += name;
        }
        throw py::value_error(where + ": '" + std::string(text, static_cast<std::size_t>(size)) + "' is not a " +
                              expected + " (one of " + names + ")");
    }
    raise_type_error(where, expected.c_str(), obj);
}

// ---------------------------------------------------------------------------------------
// Scalar conversions. `where` names the field for messages, e.g. "KernelIntent.target_size".

// int, float or decimal.Decimal (not bool, not str) -> double; NaN and inf pass through.
double double_from_py(py::handle obj, const std::string& where);
// Money: exact for a decimal.Decimal or a str such as "12.34" (at most 8 decimals, else
// ValueError), rounded to 1e-8 for int and float; NaN/inf/out of range: ValueError.
Decimal decimal_from_py(py::handle obj, const std::string& where);
// An intent's double field: a number as double_from_py, or exact money as decimal_from_py.
double money_double_from_py(py::handle obj, const std::string& where);
py::object decimal_to_py(Decimal value);
std::int64_t int_from_py(py::handle obj, const std::string& where, std::int64_t min, std::int64_t max);
std::uint64_t uint_from_py(py::handle obj, const std::string& where);
bool bool_from_py(py::handle obj, const std::string& where);
std::string string_from_py(py::handle obj, const std::string& where);

template <std::size_t N>
FixedString<N> fixed_from_py(py::handle obj, const std::string& where) {
    const std::string text = string_from_py(obj, where);
    if (!FixedString<N>::fits(text)) {
        throw py::value_error(where + ": '" + text + "' has " + std::to_string(text.size()) + " characters, at most " +
                              std::to_string(N) + " allowed");
    }
    return FixedString<N>(text);
}

template <std::size_t N>
py::object fixed_to_py(const FixedString<N>& value) {
    return py::str(value.view().data(), value.size());
}

// datetime (naive = UTC) or None -> ns since the epoch (None -> 0).
std::int64_t timestamp_from_py(py::handle obj, const std::string& where);
// ns since the epoch -> aware UTC datetime.
py::object datetime_from_ns(std::int64_t ns);

// ---------------------------------------------------------------------------------------
// Python-side value types built from attribute reads (dataclasses in the dita package, or
// any object with the same attributes).
KernelIntent intent_from_py(py::handle obj);
// Converts an intent as intent_from_py does; `remember` (the dita KernelIntent's own check at
// construction) keeps the result for cached_intent (intent_cache.cpp).
void check_intent(py::handle obj, bool remember);
// The conversion kept for this very object, or nullptr (not a checked dita KernelIntent, or one
// with metadata): valid while the caller holds a reference to obj. Under the GIL.
const KernelIntent* cached_intent(py::handle obj);
std::size_t cached_intent_count();

// ---------------------------------------------------------------------------------------
// Registration of the module's parts.
void bind_values(py::module_& m);
void bind_components(py::module_& m);
void bind_kernel(py::module_& m);
void bind_chaos(py::module_& m);
void bind_bingx(py::module_& m);

// Exceptions a Python venue raises to say what happened to a call (see python_venue.hpp).
PyObject* venue_unavailable_error();
PyObject* venue_timeout_error();

} // namespace dita::py_binding

// ---------------------------------------------------------------------------------------
// Type casters so plain method arguments and properties convert the same way.
namespace pybind11::detail {

template <dita::py_binding::DitaEnum E>
struct type_caster<E> {
    PYBIND11_TYPE_CASTER(E, const_name("str"));
    bool load(handle src, bool) {
        value = dita::py_binding::enum_from_py<E>(src, std::string(dita::EnumNames<E>::type_name));
        return true;
    }
    static handle cast(E src, return_value_policy, handle) { return dita::py_binding::enum_to_py(src).release(); }
};

template <>
struct type_caster<dita::Decimal> {
    PYBIND11_TYPE_CASTER(dita::Decimal, const_name("float"));
    bool load(handle src, bool) {
        value = dita::py_binding::decimal_from_py(src, "value");
        return true;
    }
    static handle cast(dita::Decimal src, return_value_policy, handle) {
        return dita::py_binding::decimal_to_py(src).release();
    }
};

template <std::size_t N>
struct type_caster<dita::FixedString<N>> {
    PYBIND11_TYPE_CASTER(dita::FixedString<N>, const_name("str"));
    bool load(handle src, bool) {
        value = dita::py_binding::fixed_from_py<N>(src, "identifier");
        return true;
    }
    static handle cast(const dita::FixedString<N>& src, return_value_policy, handle) {
        return dita::py_binding::fixed_to_py(src).release();
    }
};

} // namespace pybind11::detail
