// Custom Python autograd Functions: the C++ node that calls the Python backward under the
// GIL, the ctx base class (_C._FunctionBase) and the recording of a Function's outputs.
#include "autograd/autograd_meta.h"
#include "autograd/node.h"
#include "autograd/saved_tensor.h"
#include "autograd/variable.h"
#include <unordered_map>

#include "python/common.h"
#include "python/py_refs.h"

namespace bibun::python {

namespace {

// The Python side of a custom Function's node: it is the ctx of forward and the grad_fn the
// user sees. It refers to its node weakly; the node owns it (no reference cycle).
struct FunctionBase {
  std::weak_ptr<Node> node;
};

// It owns the ctx, which the gc sees through the tensors whose grad_fn it is
// (Note [Tensor gc traversal]).
class PyFunctionNode : public Node, public PyRefOwner {
 public:
  PyFunctionNode(py::object ctx, std::string name, std::vector<int> edge_of_arg, bool materialize)
      : ctx_(new py::object(std::move(ctx))), name_(std::move(name)), edge_of_arg_(std::move(edge_of_arg)),
        materialize_(materialize) {}
  ~PyFunctionNode() override {
    py::gil_scoped_acquire gil;
    delete ctx_;
  }

  std::string name() const override { return name_; }
  bool materialize_grads() const override { return materialize_; }
  void release_saved() override {
    for (auto& s : saved_) s.release();
  }
  const py::object& ctx() const { return *ctx_; }
  int traverse_py(visitproc visit, void* arg) const override {
    Py_VISIT(ctx_->ptr());
    return 0;
  }

  // One entry per forward output: its input slot on this node, or -1 when it has none
  // (non-tensor or non-differentiable output); shape and dtype for a zero gradient.
  struct OutputInfo {
    int slot = -1;
    bool is_tensor = false;
    DimVector sizes;
    ScalarType dtype = ScalarType::Float32;
  };
  std::vector<OutputInfo> outputs_;

  tensor_list apply(tensor_list&& grads) override {
    py::gil_scoped_acquire gil;
    // backward gets one gradient per forward output, as in PyTorch.
    py::tuple args(outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      const OutputInfo& o = outputs_[i];
      if (o.slot >= 0 && static_cast<size_t>(o.slot) < grads.size() && grads[o.slot].defined()) {
        args[i] = py::cast(grads[o.slot]);
      } else if (o.is_tensor && materialize_) {
        args[i] = py::cast(ops::zeros(o.sizes, o.dtype));
      } else {
        args[i] = py::none();
      }
    }
    py::object result = ctx_->attr("_call_backward")(*args);
    py::tuple results = PyTuple_Check(result.ptr()) ? py::reinterpret_borrow<py::tuple>(result) : py::make_tuple(result);
    size_t expected = edge_of_arg_.size();
    size_t got = results.size();
    // Extra trailing Nones are allowed, as in PyTorch.
    while (got > expected && results[got - 1].is_none()) --got;
    BIBUN_CHECK(got == expected, "function ", name_, " returned an incorrect number of gradients (expected ",
                expected, ", got ", results.size(), ")");
    tensor_list out(next_edges_.size());
    for (size_t i = 0; i < expected; ++i) {
      py::handle r = results[i];
      int edge = edge_of_arg_[i];
      if (edge < 0) {
        BIBUN_CHECK(r.is_none(), "function ", name_, " returned a gradient different than None at position ", i + 1,
                    ", but the corresponding forward input was not a Variable");
        continue;
      }
      if (r.is_none()) continue;
      if (!is_tensor(r)) {
        throw py::type_error("function " + name_ + " returned a gradient of type " + Py_TYPE(r.ptr())->tp_name +
                             " at position " + std::to_string(i + 1) + ", expected a Tensor or None");
      }
      out[edge] = as_tensor(r);
    }
    return out;
  }

  std::vector<SavedTensor> saved_;

 private:
  py::object* ctx_;
  std::string name_;
  std::vector<int> edge_of_arg_;  // forward argument -> index of its edge, -1 for non-tensors
  bool materialize_;
};

std::shared_ptr<PyFunctionNode> node_of(FunctionBase& ctx) {
  auto n = std::dynamic_pointer_cast<PyFunctionNode>(ctx.node.lock());
  return n;
}

bool contains(const py::object& seq, const Tensor& t) {
  if (seq.is_none()) return false;
  for (py::handle h : seq)
    if (is_tensor(h) && as_tensor(h).is_same(t)) return true;
  return false;
}

}  // namespace

namespace {

// Note [Node classes]
// PyTorch gives every kind of node its own Python class: type(y.grad_fn).__name__ is
// "MulBackward0". bibun binds one Node class, so a new grad_fn object is moved to a subclass of it
// named after the node (one per name, made on first use, with no attributes of its own, so its
// layout is Node's). The subclass only names the object; pybind11 and the gc see a Node.
py::handle node_class_named(const std::string& full_name) {
  static auto* classes = new std::unordered_map<std::string, py::object>();  // alive until exit
  auto it = classes->find(full_name);
  if (it != classes->end()) return it->second;
  const size_t colon = full_name.rfind("::");
  const std::string name = colon == std::string::npos ? full_name : full_name.substr(colon + 2);
  py::handle base = py::type::of<Node>();
  py::dict attrs;
  attrs["__slots__"] = py::tuple();
  attrs["__module__"] = base.attr("__module__");
  attrs["__doc__"] = py::none();
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      name, py::make_tuple(base), attrs);
  const auto* made = reinterpret_cast<PyTypeObject*>(cls.ptr());
  const auto* node_type = reinterpret_cast<PyTypeObject*>(base.ptr());
  if (made->tp_basicsize != node_type->tp_basicsize) cls = py::reinterpret_borrow<py::object>(base);
  return classes->emplace(full_name, std::move(cls)).first->second;
}

}  // namespace

py::object node_to_python(const std::shared_ptr<Node>& node) {
  if (!node) return py::none();
  if (auto* f = dynamic_cast<PyFunctionNode*>(node.get())) return f->ctx();
  py::object obj = py::cast(node);
  static PyTypeObject* node_type = reinterpret_cast<PyTypeObject*>(py::type::of<Node>().ptr());
  if (Py_TYPE(obj.ptr()) == node_type) {  // a new object (an existing one already has its class)
    PyObject* cls = node_class_named(node->name()).ptr();
    if (cls != reinterpret_cast<PyObject*>(node_type)) {
      Py_INCREF(cls);
      Py_SET_TYPE(obj.ptr(), reinterpret_cast<PyTypeObject*>(cls));
      Py_DECREF(reinterpret_cast<PyObject*>(node_type));  // the reference the instance held
    }
  }
  return obj;
}

void init_function(py::module_& m) {
  // No py::dynamic_attr(): the Python subclass (BackwardCFunction) has the __dict__. With both,
  // CPython 3.11's subtype_traverse and pybind11's traverse each visit the one dict, the gc
  // miscounts its references, and a ctx in a cycle is never collected.
  py::class_<FunctionBase>(m, "_FunctionBase")
      .def(py::init<>())
      .def_property_readonly("next_functions", [](FunctionBase& self) {
        auto n = node_of(self);
        if (!n) return py::tuple();
        py::tuple t(n->next_edges().size());
        for (size_t i = 0; i < n->next_edges().size(); ++i) {
          const Edge& e = n->next_edges()[i];
          t[i] = py::make_tuple(node_to_python(e.fn), e.input_nr);
        }
        return t;
      })
      .def_property_readonly("saved_tensors", [](FunctionBase& self) {
        auto n = node_of(self);
        if (!n) throw py::attribute_error("saved_tensors is only available after forward has returned");
        py::tuple t(n->saved_.size());
        for (size_t i = 0; i < n->saved_.size(); ++i) {
          Tensor v = n->saved_[i].unpack(n);
          t[i] = v.defined() ? py::cast(v) : py::none();
        }
        return t;
      })
      .def("_node_register_hook", [](FunctionBase& self, py::object node_method, py::object fn) {
        auto n = node_of(self);
        if (!n) throw py::value_error("this grad_fn has no node");
        return py::cast(std::static_pointer_cast<Node>(n)).attr(node_method)(fn);
      });

  // Records a custom Function's outputs on a new node (see python/bibun/autograd/function.py).
  m.def("_function_record", [](py::object ctx, py::tuple args, py::object outputs, py::object to_save,
                               py::object dirty, py::object non_differentiable, bool materialize) -> py::object {
    bool is_tuple = PyTuple_Check(outputs.ptr());
    py::tuple outs = is_tuple ? py::reinterpret_borrow<py::tuple>(outputs) : py::make_tuple(outputs);
    // Inputs returned unchanged (not marked dirty) become aliases that get the new history.
    py::list result;
    for (py::handle o : outs) {
      if (is_tensor(o)) {
        Tensor t = as_tensor(o);
        bool is_input = false;
        for (py::handle a : args)
          if (is_tensor(a) && as_tensor(a).is_same(t)) is_input = true;
        if (is_input && !contains(dirty, t)) {
          result.append(py::cast(detach(t)));
          continue;
        }
      }
      result.append(o);
    }

    std::vector<int> edge_of_arg;
    edge_list edges;
    bool any_requires = false;
    for (py::handle a : args) {
      if (is_tensor(a)) {
        Tensor t = as_tensor(a);
        edge_of_arg.push_back(static_cast<int>(edges.size()));
        edges.push_back(t.requires_grad() ? gradient_edge(t) : Edge{});
        any_requires |= t.requires_grad();
      } else {
        edge_of_arg.push_back(-1);
      }
    }
    bool record = GradMode::is_enabled() && any_requires;
    std::shared_ptr<PyFunctionNode> node;
    if (record) {
      std::string name = py::str(py::type::of(ctx).attr("__name__"));
      node = std::make_shared<PyFunctionNode>(ctx, name, edge_of_arg, materialize);
      node->set_next_edges(std::move(edges));
      ctx.cast<FunctionBase&>().node = node;
    }
    for (py::handle o : result) {
      PyFunctionNode::OutputInfo info;
      if (!is_tensor(o)) {
        if (node) node->outputs_.push_back(info);
        continue;
      }
      Tensor t = as_tensor(o);
      info.is_tensor = true;
      info.sizes = t.sizes();
      info.dtype = t.dtype();
      bool differentiable = record && is_floating(t.dtype()) && !contains(non_differentiable, t);
      if (contains(dirty, t)) {
        AutogradMeta* meta = t->autograd_meta();
        if (GradMode::is_enabled() && meta && meta->requires_grad && !meta->grad_fn)
          throw Error("a leaf Variable that requires grad has been used in an in-place operation.");
        check_inplace(t);
        rebase_history(t, differentiable ? node : nullptr);
      } else if (differentiable) {
        set_history(t, node);
      }
      if (differentiable) info.slot = static_cast<int>(t->autograd_meta()->output_nr);
      if (node) node->outputs_.push_back(info);
    }
    if (node && !to_save.is_none()) {
      for (py::handle h : to_save) {
        if (h.is_none()) {
          node->saved_.emplace_back();
          continue;
        }
        Tensor t = as_tensor(h);
        bool is_output = false;
        for (py::handle o : result)
          if (is_tensor(o) && as_tensor(o).is_same(t)) is_output = true;
        node->saved_.emplace_back(t, is_output);
      }
    }
    if (!node && !to_save.is_none()) {
      // Not recorded: keep the tensors on ctx for a direct call of backward.
      ctx.attr("_saved_without_node") = to_save;
    }
    if (node) {
      // The node owns ctx, and these tuples may hold the outputs, whose grad_fn is the node: a
      // cycle that only the gc would free (Note [Tensor gc traversal]). The node has what it
      // needs now, so dropping them lets reference counting free the graph.
      ctx.attr("to_save") = py::tuple();
      ctx.attr("dirty_tensors") = py::tuple();
      ctx.attr("non_differentiable") = py::tuple();
    }
    if (is_tuple) return py::tuple(result);
    return result[0];
  });
}

}  // namespace bibun::python
