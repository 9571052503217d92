// Python hooks: Tensor.register_hook / retain_grad / register_post_accumulate_grad_hook and
// Node.register_hook / register_prehook, as core hook objects that call Python under the GIL.
#include <functional>

#include "autograd/autograd_meta.h"
#include "autograd/node.h"
#include "autograd/saved_tensor_hooks.h"
#include "autograd/variable.h"
#include "python/common.h"
#include "python/py_refs.h"

namespace bibun::python {

namespace {

Tensor tensor_result(const py::object& r, const char* what) {
  if (r.is_none()) return Tensor();
  if (!is_tensor(r)) throw py::type_error(std::string(what) + " hook must return None or a Tensor");
  return as_tensor(r);
}

py::tuple to_tuple(const tensor_list& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = ts[i].defined() ? py::cast(ts[i]) : py::none();
  return t;
}

tensor_list from_result(const py::object& r, size_t expected, const char* what) {
  if (r.is_none()) return {};
  tensor_list out;
  for (py::handle h : r) out.push_back(h.is_none() ? Tensor() : as_tensor(h));
  if (out.size() != expected)
    throw py::value_error(std::string(what) + " hook returned " + std::to_string(out.size()) +
                          " gradients, expected " + std::to_string(expected));
  return out;
}

// Each hook calls its Python callable under the GIL; a released hook (its handle was removed
// while a list copy still held it) does nothing.
struct PyTensorHook : TensorHook, PyCallable {
  using PyCallable::PyCallable;
  Tensor operator()(const Tensor& grad) override {
    if (released()) return Tensor();
    py::gil_scoped_acquire gil;
    py::object f = py::reinterpret_borrow<py::object>(fn());  // a hook may remove itself
    return f ? tensor_result(f(grad), "tensor") : Tensor();
  }
};

struct PyPreHook : PreHook, PyCallable {
  using PyCallable::PyCallable;
  tensor_list operator()(const tensor_list& grads) override {
    if (released()) return {};
    py::gil_scoped_acquire gil;
    py::object f = py::reinterpret_borrow<py::object>(fn());  // a hook may remove itself
    return f ? from_result(f(to_tuple(grads)), grads.size(), "pre") : tensor_list{};
  }
};

struct PyPostHook : PostHook, PyCallable {
  using PyCallable::PyCallable;
  tensor_list operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) override {
    if (released()) return {};
    py::gil_scoped_acquire gil;
    py::object f = py::reinterpret_borrow<py::object>(fn());  // a hook may remove itself
    return f ? from_result(f(to_tuple(grad_inputs), to_tuple(grad_outputs)), grad_inputs.size(), "post")
             : tensor_list{};
  }
};

struct PyPostAccumulateHook : PostAccumulateGradHook, PyCallable {
  using PyCallable::PyCallable;
  void operator()(const Tensor& leaf) override {
    if (released()) return;
    py::gil_scoped_acquire gil;
    auto f = py::reinterpret_borrow<py::object>(fn());  // a hook may remove itself
    if (f && !f(leaf).is_none()) throw Error("Tensor post accumulate grad hooks should return None.");
  }
};

// What register_* returns: remove() undoes the registration (PyTorch's RemovableHandle).
struct HookHandle {
  std::function<void()> remover;
  void remove() {
    if (remover) remover();
    remover = nullptr;
  }
};

// A leaf's hook handle refers to the hook weakly, so that a handle kept by the user does not
// keep the leaf alive (a strong reference would hide a hook -> leaf cycle from the gc: Note
// [Tensor gc traversal]). remove() releases the callable at once; the empty entry is pruned
// from the leaf's list at its next registration.
template <typename Hook>
HookHandle leaf_handle(const std::shared_ptr<Hook>& hook) {
  std::weak_ptr<Hook> weak = hook;
  return HookHandle{[weak] {
    if (auto h = weak.lock()) h->release();
  }};
}

template <typename H>
void prune_released(std::vector<HookEntry<H>>& list) {
  std::erase_if(list, [](const HookEntry<H>& e) {
    auto* callable = dynamic_cast<const PyCallable*>(e.hook.get());
    return callable != nullptr && callable->released();
  });
}

HookHandle node_handle(const std::shared_ptr<Node>& node, uint64_t id) {
  std::weak_ptr<Node> weak = node;
  return HookHandle{[weak, id] {
    if (auto n = weak.lock()) n->remove_hook(id);
  }};
}

}  // namespace

void init_hooks(py::module_& m) {
  py::class_<HookHandle>(m, "RemovableHandle")
      .def("remove", &HookHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](HookHandle& h, py::args) { h.remove(); });

  auto tensor_cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  tensor_cls
      .def("register_hook", [](const Tensor& t, py::object fn) {
        BIBUN_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
        auto hook = std::make_shared<PyTensorHook>(std::move(fn));
        if (is_leaf(t)) {
          auto& hooks = t->ensure_autograd_meta().leaf_hooks;
          prune_released(hooks);
          hooks.push_back({next_hook_id(), 0, hook});
          return leaf_handle(hook);
        }
        auto fn_node = grad_fn(t);
        return node_handle(fn_node, fn_node->add_tensor_pre_hook(t->autograd_meta()->output_nr, hook));
      })
      .def("register_post_accumulate_grad_hook", [](const Tensor& t, py::object fn) {
        BIBUN_CHECK(t.requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
        BIBUN_CHECK(is_leaf(t), "post accumulate grad hooks cannot be registered on non-leaf tensors");
        auto hook = std::make_shared<PyPostAccumulateHook>(std::move(fn));
        auto& hooks = t->ensure_autograd_meta().post_accumulate_hooks;
        prune_released(hooks);
        hooks.push_back({next_hook_id(), 0, hook});
        return leaf_handle(hook);
      })
      .def("retain_grad", [](const Tensor& t) { retain_grad(t); })
      .def_property_readonly("retains_grad", [](const Tensor& t) {
        return !is_leaf(t) && t->autograd_meta() && t->autograd_meta()->retains_grad;
      });

  auto node_cls = py::reinterpret_borrow<py::class_<Node, std::shared_ptr<Node>>>(m.attr("Node"));
  node_cls
      .def("register_hook", [](const std::shared_ptr<Node>& n, py::object fn) {
        return node_handle(n, n->add_post_hook(std::make_shared<PyPostHook>(std::move(fn))));
      })
      .def("register_prehook", [](const std::shared_ptr<Node>& n, py::object fn) {
        return node_handle(n, n->add_pre_hook(std::make_shared<PyPreHook>(std::move(fn))));
      });
}

}  // namespace bibun::python

namespace bibun::python {

namespace {

// saved_tensors_hooks over two Python callables.
struct PySavedTensorHooks : SavedTensorHooks {
  PySavedTensorHooks(py::object pack, py::object unpack) : pack_(std::move(pack)), unpack_(std::move(unpack)) {}
  std::shared_ptr<void> pack(const Tensor& t) override {
    py::gil_scoped_acquire gil;
    auto* obj = new py::object(pack_(t));
    return std::shared_ptr<void>(obj, [](void* p) {
      py::gil_scoped_acquire g;
      delete static_cast<py::object*>(p);
    });
  }
  Tensor unpack(const std::shared_ptr<void>& packed) override {
    py::gil_scoped_acquire gil;
    py::object r = unpack_(*static_cast<py::object*>(packed.get()));
    if (!is_tensor(r)) {
      throw py::type_error(std::string("Output of saved tensor unpack_hook expected to be a Tensor but got result "
                                       "of type ") + Py_TYPE(r.ptr())->tp_name);
    }
    return as_tensor(r);
  }
  ~PySavedTensorHooks() override {
    py::gil_scoped_acquire gil;
    pack_ = py::object();
    unpack_ = py::object();
  }

 private:
  py::object pack_, unpack_;
};

}  // namespace

void init_saved_tensor_hooks(py::module_& m) {
  m.def("_push_saved_tensors_hooks", [](py::object pack, py::object unpack) {
    push_saved_tensor_hooks(std::make_shared<PySavedTensorHooks>(std::move(pack), std::move(unpack)));
  });
  m.def("_pop_saved_tensors_hooks", [] { pop_saved_tensor_hooks(); });
}

}  // namespace bibun::python
