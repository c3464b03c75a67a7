// Intents converted once. A dita KernelIntent is a frozen dataclass whose __post_init__ checks
// it (`_intent_check(self, True)`); that conversion is kept here, found by the object's
// identity, so process_intent does not read thirteen attributes again (most of the binding's
// cost per call). An entry lives exactly as long as its object: a weak reference's callback
// drops it before the object's memory can be reused. Only the metadata dict can change
// under a frozen intent, so an intent with metadata is always converted afresh.
#include <unordered_map>

#include "binding.hpp"

namespace dita::py_binding {
namespace {

struct CachedIntent {
    KernelIntent intent;
    PyObject* weakref = nullptr; // owned; its callback erases this entry
};

class IntentCache {
public:
    IntentCache() {
        static PyMethodDef forget_def{"_forget_intent", &IntentCache::forget, METH_O, nullptr};
        forget_ = PyCFunction_New(&forget_def, nullptr);
        if (forget_ == nullptr) throw py::error_already_set();
        metadata_ = PyUnicode_InternFromString("metadata");
    }

    // Under the GIL. An object already known keeps its entry: a frozen intent converts to the
    // same value every time, and an entry in use by a call without the GIL is never rewritten.
    void remember(py::handle obj, KernelIntent intent) {
        if (!intent.metadata.empty() || by_object_.contains(obj.ptr())) return;
        PyObject* ref = PyWeakref_NewRef(obj.ptr(), forget_);
        if (ref == nullptr) {
            PyErr_Clear(); // not weakly referenceable: it is converted on every call instead
            return;
        }
        by_object_.emplace(obj.ptr(), CachedIntent{std::move(intent), ref});
        by_weakref_.emplace(ref, obj.ptr());
    }

    // Under the GIL. The pointer stays valid while the caller holds a reference to `obj`.
    const KernelIntent* find(py::handle obj) const {
        const auto it = by_object_.find(obj.ptr());
        if (it == by_object_.end()) return nullptr;
        PyObject* metadata = PyObject_GetAttr(obj.ptr(), metadata_);
        if (metadata == nullptr) {
            PyErr_Clear();
            return nullptr;
        }
        const bool empty = PyDict_Check(metadata) && PyDict_GET_SIZE(metadata) == 0;
        Py_DECREF(metadata);
        return empty ? &it->second.intent : nullptr;
    }

    std::size_t size() const { return by_object_.size(); }

private:
    static PyObject* forget(PyObject*, PyObject* weakref);

    std::unordered_map<PyObject*, CachedIntent> by_object_;
    std::unordered_map<PyObject*, PyObject*> by_weakref_;
    PyObject* forget_ = nullptr;
    PyObject* metadata_ = nullptr;
};

// Built on first use under the GIL and never freed: its weak references must not be released
// after the interpreter is gone.
IntentCache& cache() {
    static IntentCache* instance = new IntentCache();
    return *instance;
}

PyObject* IntentCache::forget(PyObject*, PyObject* weakref) {
    IntentCache& self = cache();
    if (const auto it = self.by_weakref_.find(weakref); it != self.by_weakref_.end()) {
        self.by_object_.erase(it->second);
        self.by_weakref_.erase(it);
        Py_DECREF(weakref); // the entry's reference; CPython holds its own during the callback
    }
    Py_RETURN_NONE;
}

} // namespace

void check_intent(py::handle obj, bool remember) {
    KernelIntent intent = intent_from_py(obj);
    if (remember) cache().remember(obj, std::move(intent));
}

const KernelIntent* cached_intent(py::handle obj) { return cache().find(obj); }

std::size_t cached_intent_count() { return cache().size(); }

} // namespace dita::py_binding
