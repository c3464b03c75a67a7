// Guards and boundary conversions (see binding.hpp).
#include "binding.hpp"

#include <datetime.h> // per-translation-unit C API, after Python.h: datetimes are handled here only

#include <algorithm>
#include <cmath>
#include <limits>

namespace dita::py_binding {

// ---------------------------------------------------------------------------------------
// Guards

namespace {
thread_local int guards_held = 0;
} // namespace

int guards_held_by_this_thread() { return guards_held; }

void Guard::lock_contended() {
    // Marks the lock as waited for; whoever held it wakes one waiter when unlocking.
    while (state_.exchange(waited_state, std::memory_order_acquire) != free_state) {
        state_.wait(waited_state, std::memory_order_relaxed);
    }
    owner_.store(std::this_thread::get_id(), std::memory_order_release);
}

void GuardSet::add(Guard* guard) {
    if (guard == nullptr) return;
    const auto end = guards_.begin() + static_cast<std::ptrdiff_t>(size_);
    const auto at = std::lower_bound(guards_.begin(), end, guard, std::less<Guard*>());
    if (at != end && *at == guard) return;
    if (size_ == capacity) throw std::length_error("internal: too many guards in one set");
    std::move_backward(at, end, end + 1);
    *at = guard;
    ++size_;
}

void HeldGuards::lock_all(const GuardSet& set) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        Guard* guard = set[i];
        if (guard->held_here()) continue;
        guard->lock();
        locked_[count_++] = guard;
    }
    guards_held += static_cast<int>(count_);
}

bool HeldGuards::try_lock_all(const GuardSet& set) {
    for (std::size_t i = 0; i < set.size(); ++i) {
        Guard* guard = set[i];
        if (guard->held_here()) continue;
        if (!guard->try_lock()) {
            while (count_ > 0) locked_[--count_]->unlock();
            return false;
        }
        locked_[count_++] = guard;
    }
    guards_held += static_cast<int>(count_);
    return true;
}

void HeldGuards::release() {
    guards_held -= static_cast<int>(count_);
    while (count_ > 0) locked_[--count_]->unlock();
}

AccessLock::AccessLock(const GuardSet& set) {
    if (try_lock_all(set)) return;
    if (guards_held_by_this_thread() > 0) {
        throw std::runtime_error(
            "this dita object is in use by another thread; a venue callback cannot wait for it "
            "(that could deadlock)");
    }
    const GilRelease nogil;
    lock_all(set);
}

// ---------------------------------------------------------------------------------------
// Helpers

namespace {

PyObject* import_attr(const char* module, const char* name) {
    py::object value = py::module_::import(module).attr(name);
    return value.release().ptr(); // kept for the process lifetime
}

PyObject* decimal_class() {
    static PyObject* cls = import_attr("decimal", "Decimal");
    return cls;
}

bool is_number_like(PyObject* raw) {
    const PyNumberMethods* number = Py_TYPE(raw)->tp_as_number;
    return number != nullptr && (number->nb_float != nullptr || number->nb_index != nullptr);
}

} // namespace

PyObject* enum_base_class() {
    static PyObject* cls = import_attr("enum", "Enum");
    return cls;
}

std::string type_name_of(py::handle obj) {
    if (obj.is_none()) return "None";
    return Py_TYPE(obj.ptr())->tp_name;
}

void raise_type_error(const std::string& where, const char* expected, py::handle got) {
    std::string shown = type_name_of(got);
    if (PyObject_IsInstance(got.ptr(), enum_base_class()) == 1) {
        shown = py::str(py::repr(got)).cast<std::string>();
    }
    throw py::type_error(where + " must be " + expected + ", got " + shown);
}

namespace {

// The pending Python error as a ValueError naming the field: a number's own __float__ or
// __index__ may raise anything (OverflowError, ValueError for a signaling NaN, ...), and an
// error left pending under a returned value surfaces as SystemError.
[[noreturn]] void raise_pending_as_value_error(const std::string& where, const char* expected) {
    std::string detail = "conversion failed";
    if (PyErr_Occurred() != nullptr) {
        py::error_already_set pending; // takes (and clears) the pending error
        detail = pending.what();
    }
    throw py::value_error(where + " must be " + expected + " (" + detail + ")");
}

// "12.5", "-0.00000001": exact money as text; anything else (exponents, NaN, 9 decimals) is
// refused rather than rounded.
Decimal exact_decimal_from_text(const std::string& text, const std::string& where) {
    const auto exact = Decimal::parse(text);
    if (!exact || exact->abs().raw() > Decimal::raw_abs_max) {
        throw py::value_error(where + " must be an exact decimal with at most " + std::to_string(Decimal::decimals) +
                              " fractional digits and magnitude at most 1e10, got '" +
                              (text.size() > 60 ? text.substr(0, 60) + "..." : text) + "'");
    }
    return *exact;
}

} // namespace

double double_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    if (PyFloat_CheckExact(raw)) return PyFloat_AS_DOUBLE(raw);
    if (raw == Py_None || PyBool_Check(raw) || PyUnicode_Check(raw) || PyBytes_Check(raw)) {
        raise_type_error(where, "a number", obj);
    }
    if (PyLong_Check(raw)) {
        const double value = PyLong_AsDouble(raw);
        if (value == -1.0 && PyErr_Occurred() != nullptr) {
            PyErr_Clear();
            throw py::value_error(where + ": integer is too large for a float");
        }
        return value;
    }
    if (PyFloat_Check(raw) || is_number_like(raw)) {
        const double value = PyFloat_AsDouble(raw);
        if (value == -1.0 && PyErr_Occurred() != nullptr) raise_pending_as_value_error(where, "a number");
        return value;
    }
    raise_type_error(where, "a number", obj);
}

Decimal decimal_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    // Exact money: a str such as "12.34", or a decimal.Decimal with at most 8 decimals.
    if (PyUnicode_Check(raw)) return exact_decimal_from_text(string_from_py(obj, where), where);
    const int is_decimal = PyObject_IsInstance(raw, decimal_class());
    if (is_decimal < 0) raise_pending_as_value_error(where, "a number");
    if (is_decimal == 1) {
        // Positional notation: Decimal("1E+2") is 100, not an exponent Decimal::parse refuses.
        py::object text = py::reinterpret_steal<py::object>(PyObject_Format(raw, py::str("f").ptr()));
        if (!text) raise_pending_as_value_error(where, "a number");
        return exact_decimal_from_text(string_from_py(text, where), where);
    }
    const double value = double_from_py(obj, where);
    if (const auto converted = Decimal::from_double(value)) return *converted;
    throw py::value_error(where + " must be a finite number of magnitude at most 1e10, got " +
                          py::str(obj).cast<std::string>());
}

double money_double_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    if (PyUnicode_Check(raw) || PyObject_IsInstance(raw, decimal_class()) == 1) {
        // Within the kernel's bounds (1e7 with 8 decimals < 2^53) the double is exact.
        return decimal_from_py(obj, where).to_double();
    }
    if (PyErr_Occurred() != nullptr) raise_pending_as_value_error(where, "a number");
    return double_from_py(obj, where);
}

py::object decimal_to_py(Decimal value) { return py::reinterpret_steal<py::object>(PyFloat_FromDouble(value.to_double())); }

namespace {

// An int-like object (not bool, not float) as a Python int; TypeError or ValueError naming where.
py::object index_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    if (raw == Py_None || PyBool_Check(raw) || PyFloat_Check(raw) || !is_number_like(raw) ||
        Py_TYPE(raw)->tp_as_number->nb_index == nullptr) {
        raise_type_error(where, "an int", obj);
    }
    py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(raw));
    if (!index) raise_pending_as_value_error(where, "an int");
    return index;
}

} // namespace

std::int64_t int_from_py(py::handle obj, const std::string& where, std::int64_t min, std::int64_t max) {
    const py::object index = index_from_py(obj, where);
    int overflow = 0;
    const long long value = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
    if (value == -1 && PyErr_Occurred() != nullptr) raise_pending_as_value_error(where, "an int");
    if (overflow != 0 || value < min || value > max) {
        throw py::value_error(where + " = " + py::str(obj).cast<std::string>() + " is outside " +
                              std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
}

std::uint64_t uint_from_py(py::handle obj, const std::string& where) {
    const py::object index = index_from_py(obj, where);
    if (PyObject_RichCompareBool(index.ptr(), py::int_(0).ptr(), Py_LT) == 1) {
        throw py::value_error(where + " must not be negative, got " + py::str(obj).cast<std::string>());
    }
    const unsigned long long value = PyLong_AsUnsignedLongLong(index.ptr());
    if (value == static_cast<unsigned long long>(-1) && PyErr_Occurred() != nullptr) {
        PyErr_Clear();
        throw py::value_error(where + " = " + py::str(obj).cast<std::string>() + " does not fit 64 bits");
    }
    return value;
}

bool bool_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    if (raw == Py_True) return true;
    if (raw == Py_False) return false;
    if (PyLong_CheckExact(raw)) {
        int overflow = 0;
        const long value = PyLong_AsLongAndOverflow(raw, &overflow);
        if (overflow == 0 && (value == 0 || value == 1)) return value == 1;
    }
    raise_type_error(where, "a bool", obj);
}

std::string string_from_py(py::handle obj, const std::string& where) {
    PyObject* raw = obj.ptr();
    if (!PyUnicode_Check(raw)) raise_type_error(where, "a str", obj);
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(raw, &size);
    if (text == nullptr) raise_pending_as_value_error(where, "a str of valid UTF-8 (no lone surrogates)");
    return std::string(text, static_cast<std::size_t>(size));
}

// ---------------------------------------------------------------------------------------
// Time. Civil-date arithmetic (H. Hinnant's algorithms) keeps conversion exact and free of
// the local time zone: naive datetimes are read as UTC.

namespace {

constexpr std::int64_t ns_per_second = 1'000'000'000;

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    int year;
    int month;
    int day;
};

Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

void ensure_datetime_api() {
    if (PyDateTimeAPI == nullptr) {
        PyDateTime_IMPORT;
        if (PyDateTimeAPI == nullptr) throw py::error_already_set();
    }
}

} // namespace

std::int64_t timestamp_from_py(py::handle obj, const std::string& where) {
    if (obj.is_none()) return 0;
    ensure_datetime_api();
    PyObject* raw = obj.ptr();
    if (!PyDateTime_Check(raw)) raise_type_error(where, "a datetime or None", obj);
    std::int64_t seconds = days_from_civil(PyDateTime_GET_YEAR(raw), static_cast<unsigned>(PyDateTime_GET_MONTH(raw)),
                                           static_cast<unsigned>(PyDateTime_GET_DAY(raw))) *
                               86400 +
                           PyDateTime_DATE_GET_HOUR(raw) * 3600 + PyDateTime_DATE_GET_MINUTE(raw) * 60 +
                           PyDateTime_DATE_GET_SECOND(raw);
    std::int64_t micros = PyDateTime_DATE_GET_MICROSECOND(raw);
    PyObject* tz = PyDateTime_DATE_GET_TZINFO(raw);
    if (tz != Py_None) {
        py::object offset = py::reinterpret_borrow<py::object>(obj).attr("utcoffset")();
        if (!offset.is_none()) {
            seconds -= static_cast<std::int64_t>(PyDateTime_DELTA_GET_DAYS(offset.ptr())) * 86400 +
                       PyDateTime_DELTA_GET_SECONDS(offset.ptr());
            micros -= PyDateTime_DELTA_GET_MICROSECONDS(offset.ptr());
        }
    }
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(seconds, ns_per_second, &ns) || __builtin_add_overflow(ns, micros * 1000, &ns)) {
        throw py::value_error(where + ": " + py::str(obj).cast<std::string>() +
                              " is outside the nanosecond range (years 1678..2261)");
    }
    return ns;
}

py::object datetime_from_ns(std::int64_t ns) {
    ensure_datetime_api();
    std::int64_t seconds = ns / ns_per_second;
    std::int64_t rest = ns % ns_per_second;
    if (rest < 0) {
        rest += ns_per_second;
        --seconds;
    }
    std::int64_t days = seconds / 86400;
    std::int64_t in_day = seconds % 86400;
    if (in_day < 0) {
        in_day += 86400;
        --days;
    }
    const Civil civil = civil_from_days(days);
    PyObject* out = PyDateTimeAPI->DateTime_FromDateAndTime(
        civil.year, civil.month, civil.day, static_cast<int>(in_day / 3600), static_cast<int>(in_day % 3600 / 60),
        static_cast<int>(in_day % 60), static_cast<int>(rest / 1000), PyDateTime_TimeZone_UTC,
        PyDateTimeAPI->DateTimeType);
    if (out == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(out);
}

// ---------------------------------------------------------------------------------------
// KernelIntent: read by attribute so the dita dataclass and look-alikes both work.

namespace {

struct IntentNames {
    PyObject* timestamp = PyUnicode_InternFromString("timestamp");
    PyObject* intent_id = PyUnicode_InternFromString("intent_id");
    PyObject* trade_id = PyUnicode_InternFromString("trade_id");
    PyObject* slot_id = PyUnicode_InternFromString("slot_id");
    PyObject* asset = PyUnicode_InternFromString("asset");
    PyObject* side = PyUnicode_InternFromString("side");
    PyObject* action = PyUnicode_InternFromString("action");
    PyObject* reference_price = PyUnicode_InternFromString("reference_price");
    PyObject* target_size = PyUnicode_InternFromString("target_size");
    PyObject* leverage = PyUnicode_InternFromString("leverage");
    PyObject* exit_leg_ratios = PyUnicode_InternFromString("exit_leg_ratios");
    PyObject* reason = PyUnicode_InternFromString("reason");
    PyObject* metadata = PyUnicode_InternFromString("metadata");
};

const IntentNames& intent_names() {
    static const IntentNames names; // first use is under the GIL; never freed
    return names;
}

py::object get_field(py::handle obj, PyObject* name) {
    PyObject* value = PyObject_GetAttr(obj.ptr(), name);
    if (value == nullptr) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
            throw py::type_error("expected a KernelIntent: " + type_name_of(obj) + " has no attribute '" +
                                 py::reinterpret_borrow<py::str>(name).cast<std::string>() + "'");
        }
        throw py::error_already_set();
    }
    return py::reinterpret_steal<py::object>(value);
}

} // namespace

KernelIntent intent_from_py(py::handle obj) {
    const IntentNames& n = intent_names();
    KernelIntent intent;
    intent.timestamp_ns = timestamp_from_py(get_field(obj, n.timestamp), "KernelIntent.timestamp");
    intent.intent_id = string_from_py(get_field(obj, n.intent_id), "KernelIntent.intent_id");
    intent.trade_id = string_from_py(get_field(obj, n.trade_id), "KernelIntent.trade_id");
    intent.slot_id = static_cast<int>(int_from_py(get_field(obj, n.slot_id), "KernelIntent.slot_id",
                                                  std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    intent.asset = string_from_py(get_field(obj, n.asset), "KernelIntent.asset");
    intent.side = enum_from_py<TradeSide>(get_field(obj, n.side), "KernelIntent.side");
    intent.action = enum_from_py<KernelCommandType>(get_field(obj, n.action), "KernelIntent.action");
    intent.reference_price = money_double_from_py(get_field(obj, n.reference_price), "KernelIntent.reference_price");
    intent.target_size = money_double_from_py(get_field(obj, n.target_size), "KernelIntent.target_size");
    intent.leverage = money_double_from_py(get_field(obj, n.leverage), "KernelIntent.leverage");

    py::object legs = get_field(obj, n.exit_leg_ratios);
    if (legs.is_none() || PyUnicode_Check(legs.ptr()) || PyBytes_Check(legs.ptr()) || !PySequence_Check(legs.ptr())) {
        raise_type_error("KernelIntent.exit_leg_ratios", "a sequence of numbers", legs);
    }
    py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(legs.ptr(), "exit_leg_ratios"));
    if (!fast) throw py::error_already_set();
    const Py_ssize_t count = PySequence_Fast_GET_SIZE(fast.ptr());
    intent.exit_leg_ratios.resize(static_cast<std::size_t>(count));
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    for (Py_ssize_t i = 0; i < count; ++i) {
        PyObject* item = items[i];
        intent.exit_leg_ratios[static_cast<std::size_t>(i)] =
            PyFloat_CheckExact(item) ? PyFloat_AS_DOUBLE(item)
                                     : double_from_py(item, "KernelIntent.exit_leg_ratios[" + std::to_string(i) + "]");
    }

    intent.reason = string_from_py(get_field(obj, n.reason), "KernelIntent.reason");
    py::object metadata = get_field(obj, n.metadata);
    if (PyDict_Check(metadata.ptr())) {
        if (PyDict_GET_SIZE(metadata.ptr()) > 0) {
            PyObject* key = nullptr;
            PyObject* value = nullptr;
            Py_ssize_t pos = 0;
            while (PyDict_Next(metadata.ptr(), &pos, &key, &value)) {
                std::string k = string_from_py(key, "KernelIntent.metadata key");
                // Values are kept as text: the kernel journals them, it never interprets them.
                std::string v = PyUnicode_Check(value) ? string_from_py(value, "KernelIntent.metadata value")
                                                       : py::str(value).cast<std::string>();
                intent.metadata.insert_or_assign(std::move(k), std::move(v));
            }
        }
    } else if (PyMapping_Check(metadata.ptr()) && !PySequence_Check(metadata.ptr())) {
        py::dict copy(py::reinterpret_borrow<py::object>(metadata));
        for (auto item : copy) {
            intent.metadata.insert_or_assign(string_from_py(item.first, "KernelIntent.metadata key"),
                                             py::str(item.second).cast<std::string>());
        }
    } else {
        raise_type_error("KernelIntent.metadata", "a mapping of str to values", metadata);
    }
    return intent;
}

} // namespace dita::py_binding
