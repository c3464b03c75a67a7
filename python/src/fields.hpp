#pragma once
// Value classes as field tables: one list of (name, getter, setter) per C++ struct gives the
// Python class its keyword constructor, read-only properties, to_dict, replace, repr,
// equality, hashing and pickling, all consistent with each other.
#include <concepts>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "binding.hpp"

namespace dita::py_binding {

// Types bound as value classes (so they convert by py::cast).
template <typename T>
struct is_value_class : std::false_type {};

template <typename T>
concept ValueClass = is_value_class<T>::value;

// Conversion of one member type. `plain` is the JSON-friendly form used by to_dict.
template <typename M>
struct Conv;

template <>
struct Conv<Decimal> {
    static py::object to(const Decimal& v) { return decimal_to_py(v); }
    static py::object plain(const Decimal& v) { return decimal_to_py(v); }
    static Decimal from(py::handle h, const std::string& where) { return decimal_from_py(h, where); }
};

template <std::size_t N>
struct Conv<FixedString<N>> {
    static py::object to(const FixedString<N>& v) { return fixed_to_py(v); }
    static py::object plain(const FixedString<N>& v) { return fixed_to_py(v); }
    static FixedString<N> from(py::handle h, const std::string& where) { return fixed_from_py<N>(h, where); }
};

template <>
struct Conv<std::string> {
    static py::object to(const std::string& v) { return py::str(v); }
    static py::object plain(const std::string& v) { return py::str(v); }
    static std::string from(py::handle h, const std::string& where) { return string_from_py(h, where); }
};

// A diagnostic's text: formatted when Python reads it.
template <>
struct Conv<DetailText> {
    static py::object to(const DetailText& v) { return py::str(v.str()); }
    static py::object plain(const DetailText& v) { return py::str(v.str()); }
    static DetailText from(py::handle h, const std::string& where) { return DetailText(string_from_py(h, where)); }
};

// A plain float field (not money): NaN passes; the C++ consumer validates the range.
template <>
struct Conv<double> {
    static py::object to(double v) { return py::float_(v); }
    static py::object plain(double v) { return py::float_(v); }
    static double from(py::handle h, const std::string& where) { return double_from_py(h, where); }
};

template <>
struct Conv<bool> {
    static py::object to(bool v) { return py::bool_(v); }
    static py::object plain(bool v) { return py::bool_(v); }
    static bool from(py::handle h, const std::string& where) { return bool_from_py(h, where); }
};

template <>
struct Conv<int> {
    static py::object to(int v) { return py::int_(v); }
    static py::object plain(int v) { return py::int_(v); }
    static int from(py::handle h, const std::string& where) {
        return static_cast<int>(
            int_from_py(h, where, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
    }
};

template <>
struct Conv<std::int64_t> {
    static py::object to(std::int64_t v) { return py::int_(v); }
    static py::object plain(std::int64_t v) { return py::int_(v); }
    static std::int64_t from(py::handle h, const std::string& where) {
        return int_from_py(h, where, std::numeric_limits<std::int64_t>::min(),
                           std::numeric_limits<std::int64_t>::max());
    }
};

template <>
struct Conv<std::uint64_t> {
    static py::object to(std::uint64_t v) { return py::int_(v); }
    static py::object plain(std::uint64_t v) { return py::int_(v); }
    static std::uint64_t from(py::handle h, const std::string& where) { return uint_from_py(h, where); }
};

template <DitaEnum E>
struct Conv<E> {
    static py::object to(E v) { return enum_to_py(v); }
    static py::object plain(E v) {
        const std::string_view name = to_string(v);
        return py::str(name.data(), name.size());
    }
    static E from(py::handle h, const std::string& where) { return enum_from_py<E>(h, where); }
};

template <ValueClass V>
struct Conv<V> {
    static py::object to(const V& v) { return py::cast(v); }
    static py::object plain(const V& v) { return py::cast(v).attr("to_dict")(); }
    static V from(py::handle h, const std::string& where) {
        if (PyDict_Check(h.ptr())) {
            // A dict of fields, as to_dict() gives: nested values round-trip through JSON.
            return py::type::of<V>()(**py::reinterpret_borrow<py::dict>(h)).template cast<V>();
        }
        if (!py::isinstance<V>(h)) {
            const std::string name = py::str(py::type::of<V>().attr("__name__")).cast<std::string>();
            raise_type_error(where, (name + " (or a dict of its fields)").c_str(), h);
        }
        return h.cast<V>();
    }
};

template <typename V>
struct Conv<std::vector<V>> {
    static py::object to(const std::vector<V>& v) {
        py::tuple out(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out[i] = Conv<V>::to(v[i]);
        return out;
    }
    static py::object plain(const std::vector<V>& v) {
        py::list out(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out[i] = Conv<V>::plain(v[i]);
        return out;
    }
    static std::vector<V> from(py::handle h, const std::string& where) {
        if (h.is_none() || PyUnicode_Check(h.ptr()) || !PySequence_Check(h.ptr())) {
            raise_type_error(where, "a sequence", h);
        }
        std::vector<V> out;
        const py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
        out.reserve(seq.size());
        std::size_t i = 0;
        for (py::handle item : seq) out.push_back(Conv<V>::from(item, where + "[" + std::to_string(i++) + "]"));
        return out;
    }
};

template <typename T>
struct Field {
    std::string name;
    std::function<py::object(const T&)> get;
    std::function<py::object(const T&)> plain;
    std::function<void(T&, py::handle, const std::string&)> set; // empty: derived, read-only
    bool in_dict = true;                                        // part of to_dict/repr/pickle
};

template <typename T>
using FieldList = std::vector<Field<T>>;

template <typename T, typename M>
Field<T> member(const char* name, M T::*ptr) {
    return Field<T>{name, [ptr](const T& s) { return Conv<M>::to(s.*ptr); },
                    [ptr](const T& s) { return Conv<M>::plain(s.*ptr); },
                    [ptr](T& s, py::handle h, const std::string& where) { s.*ptr = Conv<M>::from(h, where); }, true};
}

// A field named as its member: DITA_PY_MEMBER(SimStats, fills) is member("fills", &SimStats::fills).
#define DITA_PY_MEMBER(T, name) ::dita::py_binding::member(#name, &T::name)

// A read-only value computed from the others; shown as an attribute only.
template <typename T, typename F>
Field<T> derived(const char* name, F get) {
    return Field<T>{name, get, get, {}, false};
}

// A timestamp_ns member plus its `timestamp` datetime alias (settable, not duplicated in dicts).
template <typename T>
void add_timestamp(FieldList<T>& fields, std::int64_t T::*ptr, const char* ns_name = "timestamp_ns",
                   const char* alias = "timestamp") {
    fields.push_back(member(ns_name, ptr));
    fields.push_back(Field<T>{alias, [ptr](const T& s) { return datetime_from_ns(s.*ptr); },
                              [ptr](const T& s) { return datetime_from_ns(s.*ptr); },
                              [ptr](T& s, py::handle h, const std::string& where) {
                                  s.*ptr = timestamp_from_py(h, where);
                              },
                              false});
}

// Lifts a field of Inner to a field of Outer through a projection.
template <typename Outer, typename Inner, typename Project>
Field<Outer> lift(const Field<Inner>& field, Project project) {
    Field<Outer> out;
    out.name = field.name;
    out.in_dict = field.in_dict;
    out.get = [get = field.get, project](const Outer& o) { return get(project(const_cast<Outer&>(o))); };
    out.plain = [plain = field.plain, project](const Outer& o) { return plain(project(const_cast<Outer&>(o))); };
    if (field.set) {
        out.set = [set = field.set, project](Outer& o, py::handle h, const std::string& where) {
            set(project(o), h, where);
        };
    }
    return out;
}

template <typename T>
void apply_kwargs(T& value, const FieldList<T>& fields, const std::string& type, py::handle kwargs) {
    if (!kwargs || kwargs.is_none()) return;
    for (auto item : py::reinterpret_borrow<py::dict>(kwargs)) {
        const std::string key = py::str(item.first).cast<std::string>();
        const Field<T>* found = nullptr;
        for (const Field<T>& field : fields) {
            if (field.name == key) {
                found = &field;
                break;
            }
        }
        if (found == nullptr) throw py::type_error(type + "() got an unexpected keyword argument '" + key + "'");
        if (!found->set) throw py::type_error(type + "." + key + " is derived from other fields and cannot be set");
        found->set(value, item.second, type + "." + key);
    }
}

template <typename T>
py::dict fields_to_dict(const T& value, const FieldList<T>& fields, bool plain) {
    py::dict out;
    for (const Field<T>& field : fields) {
        if (!field.in_dict) continue;
        out[py::str(field.name)] = plain ? field.plain(value) : field.get(value);
    }
    return out;
}

py::object hashable(py::handle value);

// Binds T as an immutable value class named `name`. Returns the class for extra methods.
template <typename T>
py::class_<T> bind_value(py::handle scope, const char* name, const char* doc, FieldList<T> list) {
    auto fields = std::make_shared<const FieldList<T>>(std::move(list));
    const std::string type(name);
    py::class_<T> cls(scope, name, doc);
    cls.def(py::init([fields, type](const py::args& args, const py::kwargs& kwargs) {
                if (!args.empty()) throw py::type_error(type + "() takes keyword arguments only");
                T value{};
                apply_kwargs(value, *fields, type, kwargs);
                return value;
            }),
            "Keyword-only constructor; every field has a default.");
    for (const Field<T>& field : *fields) {
        cls.def_property_readonly(field.name.c_str(), [get = field.get](const T& self) { return get(self); });
    }
    py::tuple names(std::count_if(fields->begin(), fields->end(), [](const Field<T>& f) { return f.in_dict; }));
    std::size_t i = 0;
    for (const Field<T>& field : *fields) {
        if (field.in_dict) names[i++] = py::str(field.name);
    }
    cls.attr("_fields") = names;
    cls.def(
        "to_dict", [fields](const T& self) { return fields_to_dict(self, *fields, true); },
        "Plain dict (enum values as str, nested values as dicts): JSON-ready.");
    cls.def(
        "replace",
        [fields, type](const T& self, const py::kwargs& kwargs) {
            T copy = self;
            apply_kwargs(copy, *fields, type, kwargs);
            return copy;
        },
        "A copy with the given fields changed.");
    cls.def("__repr__", [fields, type](const T& self) {
        std::string out = type + "(";
        bool first = true;
        for (const Field<T>& field : *fields) {
            if (!field.in_dict) continue;
            if (!first) out += ", ";
            first = false;
            out += field.name + "=" + py::repr(field.get(self)).template cast<std::string>();
        }
        return out + ")";
    });
    cls.def("__eq__", [fields](const T& self, py::object other) -> py::object {
        if (!py::isinstance<T>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
        const T& rhs = other.cast<const T&>();
        if constexpr (std::equality_comparable<T>) {
            return py::bool_(self == rhs);
        } else {
            return py::bool_(fields_to_dict(self, *fields, false).equal(fields_to_dict(rhs, *fields, false)));
        }
    });
    cls.def("__hash__", [fields](const T& self) {
        py::list values;
        for (const Field<T>& field : *fields) {
            if (field.in_dict) values.append(hashable(field.get(self)));
        }
        return py::hash(py::tuple(values));
    });
    cls.def("__copy__", [](const T& self) { return self; });
    cls.def("__deepcopy__", [](const T& self, py::object) { return self; });
    cls.def(py::pickle([fields](const T& self) { return fields_to_dict(self, *fields, false); },
                       [fields, type](const py::dict& state) {
                           T value{};
                           apply_kwargs(value, *fields, type, state);
                           return value;
                       }));
    return cls;
}

} // namespace dita::py_binding
