// Autograd bindings: grad_fn nodes, the engine entry point and grad mode.
#include "autograd/accumulate_grad.h"
#include "autograd/anomaly_mode.h"
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/variable.h"
#include "python/common.h"
#include "python/py_refs.h"

namespace bibun::python {

namespace {

tensor_list tensors_from(py::handle seq, bool allow_none) {
  tensor_list out;
  for (py::handle h : seq) {
    if (h.is_none() && allow_none) {
      out.emplace_back();
    } else if (is_tensor(h)) {
      out.push_back(as_tensor(h));
    } else {
      throw py::type_error(std::string("expected a Tensor, but got ") + Py_TYPE(h.ptr())->tp_name);
    }
  }
  return out;
}

}  // namespace

void init_autograd(py::module_& m) {
  // gc support (AccumulateGrad inherits it): Note [Tensor gc traversal] (gc_traverse.cpp).
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", py::custom_type_setup(setup_node_gc))
      .def("name", &Node::name)
      .def_property_readonly("metadata", [](Node& n) -> py::object {
        if (!n.user_data()) {
          // Freed with the node, possibly by the engine without the GIL.
          n.user_data() = std::shared_ptr<void>(new py::object(py::dict()), [](void* p) {
            py::gil_scoped_acquire gil;
            delete static_cast<py::object*>(p);
          });
        }
        return *static_cast<py::object*>(n.user_data().get());
      })
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple t(n.next_edges().size());
        for (size_t i = 0; i < n.next_edges().size(); ++i) {
          const Edge& e = n.next_edges()[i];
          t[i] = py::make_tuple(node_to_python(e.fn), e.input_nr);
        }
        return t;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) return py::cast(acc->variable());
        throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
      })
      .def_property_readonly("_sequence_nr", &Node::sequence_nr)
      .def("__repr__", [](py::handle self) {
        const Node& n = self.cast<const Node&>();
        char addr[32];
        std::snprintf(addr, sizeof(addr), "%p", static_cast<void*>(self.ptr()));
        // Built-in C++ nodes such as AccumulateGrad are named "torch::autograd::X" (as PyTorch
        // names them) but print as their class, <X object at ...>.
        std::string name = n.name();
        const std::string ns = "torch::autograd::";
        if (name.rfind(ns, 0) == 0) name = name.substr(ns.size());
        return "<" + name + " object at " + addr + ">";
      });

  py::class_<AccumulateGrad, Node, std::shared_ptr<AccumulateGrad>>(m, "AccumulateGrad");

  m.def(
      "_run_backward",
      [](py::object tensors, py::object grad_tensors, bool keep_graph, bool create_graph, py::object inputs,
         bool allow_unused, bool accumulate_grad) -> py::object {
        tensor_list roots = tensors_from(tensors, false);
        tensor_list grads = tensors_from(grad_tensors, true);
        tensor_list input_list = inputs.is_none() ? tensor_list{} : tensors_from(inputs, false);
        BackwardOptions options{keep_graph, create_graph, accumulate_grad, allow_unused};
        static bool warned_create_graph_cycle = false;
        if (accumulate_grad && create_graph && !warned_create_graph_cycle) {
          // Once per process, as PyTorch: leaf -> .grad -> its graph -> AccumulateGrad -> leaf.
          warned_create_graph_cycle = true;
          if (PyErr_WarnEx(PyExc_UserWarning,
                           "Using backward() with create_graph=True will create a reference cycle between the "
                           "parameter and its gradient which can cause a memory leak. We recommend using "
                           "autograd.grad when creating the graph to avoid this. If you have to use this function, "
                           "make sure to reset the .grad fields of your parameters to None after use to break the "
                           "cycle and avoid the leak.",
                           1) != 0)
            throw py::error_already_set();
        }
        tensor_list result;
        {
          py::gil_scoped_release no_gil;
          tensor_list seeds = make_grad_roots(roots, grads);
          result = run_backward(roots, seeds, input_list, options);
        }
        if (accumulate_grad) return py::none();
        py::tuple out(result.size());
        for (size_t i = 0; i < result.size(); ++i) out[i] = result[i].defined() ? py::cast(result[i]) : py::none();
        return out;
      },
      py::arg("tensors"), py::arg("grad_tensors"), py::arg("keep_graph"), py::arg("create_graph"),
      py::arg("inputs") = py::none(), py::arg("allow_unused") = false, py::arg("accumulate_grad") = true);

  m.def("_set_anomaly_enabled", [](bool enabled, bool check_nan) { AnomalyMode::set_enabled(enabled, check_nan); });
  m.def("is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("is_anomaly_check_nan_enabled", &AnomalyMode::check_nan);
  AnomalyMode::set_callbacks(
      [] {
        py::gil_scoped_acquire gil;
        py::list frames = py::module_::import("traceback").attr("format_stack")();
        // Ops are C++ functions, so the innermost Python frame is the user's forward line.
        std::string out;
        for (py::handle f : frames) out += f.cast<std::string>();
        return out;
      },
      [](const std::string& message) {
        py::gil_scoped_acquire gil;
        PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1);
      });

  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);
}

}  // namespace bibun::python
