// Cyclic gc support for bibun.Tensor and bibun.Node: tp_traverse reports the Python objects
// reachable through the C++ side that the Python object solely owns; tp_clear drops them.
#include "autograd/autograd_meta.h"
#include "autograd/node.h"
#include "python/common.h"
#include "python/py_refs.h"

namespace bibun::python {

// Note [Tensor gc traversal]
// A Python Tensor owns one reference to its TensorImpl; the impl (through AutogradMeta) owns
// leaf hooks, post-accumulate hooks and its grad_fn, and a grad_fn owns Python hooks, its
// metadata dict and, for a custom Function, the ctx. A cycle through them (a Function storing
// its output on ctx, a hook closing over its own tensor) is invisible to the gc unless the
// Tensor's tp_traverse reports those Python objects. The rule that makes this sound (as in
// PyTorch's THPVariable_subclass_traverse):
//
//   tp_traverse visits a C++-owned Python reference only when every C++ object on the path to
//   it is owned by nobody else: the impl's count is 1 (only this Python object holds it), then
//   a hook's shared_ptr count is 1, or the grad_fn's count is 1 and then the hook's / the
//   metadata's count is 1.
//
// Anything shared with other C++ owners (a leaf held by its AccumulateGrad in a live graph, a
// node with a consumer, a hook list the engine copied) could be reached without this Python
// object, so visiting it would let the gc count one reference twice and free live objects;
// such a cycle is only collected once the other owners are gone. A new owner can appear only
// through this Python object, which needs the GIL the gc holds. The walk stops at grad_fn (it
// does not follow the graph's edges), so a collection costs O(1) per tensor.
//
// tp_clear drops exactly what was visited, under the same counts: the leaf's Python hooks and a
// solely owned grad_fn (whose destruction releases its ctx, hooks and metadata). The tensor
// keeps its values; if the gc leaves the object alive after clearing, it is a tensor without
// history. Dropped objects are destroyed after the meta is updated, because their destructors
// may run Python code.
//
// bibun.Node (a grad_fn wrapper owning a shared_ptr) follows the same rule: when the wrapper
// is the node's only owner it visits the node's Python hooks, metadata and ctx, and tp_clear
// drops the hooks and the metadata (the ctx's own tp_clear breaks cycles through it).

namespace {

template <typename List>
int visit_hooks(const List& list, visitproc visit, void* arg) {
  for (const auto& entry : list) {
    if (entry.hook.use_count() != 1) continue;
    if (auto* owner = dynamic_cast<const PyRefOwner*>(entry.hook.get())) {
      if (int r = owner->traverse_py(visit, arg)) return r;
    }
  }
  return 0;
}

// Node::hooks_ is protected; a pointer to member named through a derived class reads it
// without widening node.h for the one caller that needs it.
struct NodeHooksAccess : Node {
  static const NodeHooks* get(const Node& node) { return (node.*(&NodeHooksAccess::hooks_)).get(); }
  static void reset(Node& node, std::unique_ptr<NodeHooks>& out) { std::swap(node.*(&NodeHooksAccess::hooks_), out); }
};

const NodeHooks* hooks_of(const Node& node) { return NodeHooksAccess::get(node); }

// The holder of a pybind11 instance, or nullptr before __init__ constructed it. The gc can
// visit an instance even before pybind11 has laid it out: the first instance of a Python
// subclass is tracked from tp_alloc on, and laying it out creates a weakref to the new type,
// which can start a collection. Its memory is still all zero then, with no status array to read.
template <typename Holder>
Holder* holder_of(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  if (!inst->simple_layout && inst->nonsimple.status == nullptr) return nullptr;
  auto v_h = inst->get_value_and_holder();
  if (!v_h.holder_constructed()) return nullptr;
  return &v_h.template holder<Holder>();
}

AutogradMeta* solely_owned_meta(PyObject* self) {
  Tensor* t = holder_of<Tensor>(self);
  if (t == nullptr || !t->defined() || t->impl().use_count() != 1) return nullptr;
  return t->get()->autograd_meta();
}

int tensor_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));  // instances of heap types own a reference to their type
  AutogradMeta* meta = solely_owned_meta(self);
  if (meta == nullptr) return 0;
  if (int r = visit_hooks(meta->leaf_hooks, visit, arg)) return r;
  if (int r = visit_hooks(meta->post_accumulate_hooks, visit, arg)) return r;
  if (meta->grad_fn && meta->grad_fn.use_count() == 1) return traverse_node_py_refs(*meta->grad_fn, visit, arg);
  return 0;
}

template <typename List>
void move_py_hooks(List& from, List& to) {
  for (auto it = from.begin(); it != from.end();) {
    if (it->hook.use_count() == 1 && dynamic_cast<const PyRefOwner*>(it->hook.get())) {
      to.push_back(std::move(*it));
      it = from.erase(it);
    } else {
      ++it;
    }
  }
}

int tensor_clear(PyObject* self) {
  AutogradMeta* meta = solely_owned_meta(self);
  if (meta == nullptr) return 0;
  decltype(meta->leaf_hooks) leaf_hooks;
  decltype(meta->post_accumulate_hooks) post_hooks;
  std::shared_ptr<Node> fn;
  move_py_hooks(meta->leaf_hooks, leaf_hooks);
  move_py_hooks(meta->post_accumulate_hooks, post_hooks);
  if (meta->grad_fn && meta->grad_fn.use_count() == 1) fn = std::move(meta->grad_fn);
  return 0;  // the locals die here, after `meta` no longer refers to them
}

int node_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  auto* node = holder_of<std::shared_ptr<Node>>(self);
  if (node == nullptr || !*node || node->use_count() != 1) return 0;
  return traverse_node_py_refs(**node, visit, arg);
}

int node_clear(PyObject* self) {
  auto* node = holder_of<std::shared_ptr<Node>>(self);
  if (node == nullptr || !*node || node->use_count() != 1) return 0;
  clear_node_py_refs(**node);
  return 0;
}

void enable_gc(PyHeapTypeObject* heap_type, traverseproc traverse, inquiry clear) {
  PyTypeObject* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = traverse;
  type->tp_clear = clear;
}

}  // namespace

int traverse_node_py_refs(const Node& node, visitproc visit, void* arg) {
  if (auto* owner = dynamic_cast<const PyRefOwner*>(&node)) {
    if (int r = owner->traverse_py(visit, arg)) return r;
  }
  if (const NodeHooks* hooks = hooks_of(node)) {
    if (int r = visit_hooks(hooks->tensor_pre, visit, arg)) return r;
    if (int r = visit_hooks(hooks->retains_grad, visit, arg)) return r;
    if (int r = visit_hooks(hooks->pre, visit, arg)) return r;
    if (int r = visit_hooks(hooks->post, visit, arg)) return r;
  }
  // user_data is only ever set to grad_fn.metadata's dict (autograd_bindings.cpp).
  auto& data = const_cast<Node&>(node).user_data();
  if (data && data.use_count() == 1) Py_VISIT(static_cast<py::object*>(data.get())->ptr());
  return 0;
}

void clear_node_py_refs(Node& node) {
  std::unique_ptr<NodeHooks> hooks;
  NodeHooksAccess::reset(node, hooks);
  std::shared_ptr<void> data = std::move(node.user_data());
  node.user_data() = nullptr;
}

void setup_tensor_gc(PyHeapTypeObject* heap_type) { enable_gc(heap_type, tensor_traverse, tensor_clear); }
void setup_node_gc(PyHeapTypeObject* heap_type) { enable_gc(heap_type, node_traverse, node_clear); }

}  // namespace bibun::python
