// Python objects owned by C++ autograd objects (hooks, a custom Function's ctx, node
// metadata), and how Python's cyclic gc sees them through bibun.Tensor and bibun.Node.
#pragma once
#include <pybind11/pybind11.h>

#include <atomic>

namespace bibun {
class Node;
}

namespace bibun::python {

namespace py = pybind11;

// Note [Python references owned by C++]
// C++ objects that own Python objects implement PyRefOwner so the gc traversal of the Python
// object that owns *them* can report those references (Note [Tensor gc traversal]). Only a
// reference that the C++ object owns may be visited: visiting one it merely borrows lets the
// gc count it twice and free an object that is still alive.
struct PyRefOwner {
  virtual int traverse_py(visitproc visit, void* arg) const = 0;

 protected:
  ~PyRefOwner() = default;
};

// A Python callable held by a hook. The engine may free hooks without the GIL, so the
// destructor takes it; release() (RemovableHandle.remove, under the GIL) drops the callable at
// once and turns the hook into a no-op that its list may keep until it is pruned
// (hook_bindings.cpp), which is what lets a handle refer to a leaf's hook weakly.
class PyCallable : public PyRefOwner {
 public:
  explicit PyCallable(py::object f) : fn_(f.release().ptr()) {}
  PyCallable(const PyCallable&) = delete;
  PyCallable& operator=(const PyCallable&) = delete;
  ~PyCallable() {
    if (fn_.load(std::memory_order_acquire) == nullptr) return;
    py::gil_scoped_acquire gil;
    Py_XDECREF(fn_.exchange(nullptr));
  }
  // Under the GIL.
  void release() { Py_XDECREF(fn_.exchange(nullptr)); }
  bool released() const { return fn_.load(std::memory_order_acquire) == nullptr; }
  // The callable, or a null handle once released; under the GIL.
  py::handle fn() const { return py::handle(fn_.load(std::memory_order_acquire)); }
  int traverse_py(visitproc visit, void* arg) const override {
    Py_VISIT(fn_.load(std::memory_order_acquire));
    return 0;
  }

 private:
  std::atomic<PyObject*> fn_;
};

// Reports the Python objects a node owns (its Python hooks, its metadata dict, a custom
// Function's ctx); `clear_node_py_refs` drops the hooks and the metadata. Under the GIL.
int traverse_node_py_refs(const Node& node, visitproc visit, void* arg);
void clear_node_py_refs(Node& node);

// py::custom_type_setup callbacks that give bibun.Tensor and bibun.Node gc support
// (csrc/python/gc_traverse.cpp).
void setup_tensor_gc(PyHeapTypeObject* heap_type);
void setup_node_gc(PyHeapTypeObject* heap_type);

}  // namespace bibun::python
