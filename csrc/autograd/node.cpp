#include "autograd/node.h"

#include <atomic>

namespace bibun {

namespace {
thread_local uint64_t t_next_sequence_nr = 0;
}

Node::Node() : sequence_nr_(t_next_sequence_nr++) {}

uint64_t next_hook_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {
template <typename H>
uint64_t add_entry(std::unique_ptr<NodeHooks>& hooks, std::vector<HookEntry<H>> NodeHooks::*list, uint32_t slot,
                   std::shared_ptr<H> hook) {
  if (!hooks) hooks = std::make_unique<NodeHooks>();
  uint64_t id = next_hook_id();
  ((*hooks).*list).push_back({id, slot, std::move(hook)});
  return id;
}
template <typename H>
bool erase_entry(std::vector<HookEntry<H>>& list, uint64_t id) {
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->id == id) {
      list.erase(it);
      return true;
    }
  }
  return false;
}
}  // namespace

uint64_t Node::add_tensor_pre_hook(uint32_t slot, std::shared_ptr<TensorHook> hook) {
  return add_entry(hooks_, &NodeHooks::tensor_pre, slot, std::move(hook));
}
uint64_t Node::add_retains_grad_hook(uint32_t slot, std::shared_ptr<TensorHook> hook) {
  return add_entry(hooks_, &NodeHooks::retains_grad, slot, std::move(hook));
}
uint64_t Node::add_pre_hook(std::shared_ptr<PreHook> hook) {
  return add_entry(hooks_, &NodeHooks::pre, 0, std::move(hook));
}
uint64_t Node::add_post_hook(std::shared_ptr<PostHook> hook) {
  return add_entry(hooks_, &NodeHooks::post, 0, std::move(hook));
}

bool Node::remove_hook(uint64_t id) {
  if (!hooks_) return false;
  return erase_entry(hooks_->tensor_pre, id) || erase_entry(hooks_->retains_grad, id) ||
         erase_entry(hooks_->pre, id) || erase_entry(hooks_->post, id);
}

tensor_list Node::call_tensor_pre_hooks(tensor_list grads) {
  if (!hooks_) return grads;
  // Copies: a hook may remove hooks while running.
  for (auto list : {hooks_->tensor_pre, hooks_->retains_grad}) {
    for (auto& entry : list) {
      if (entry.slot >= grads.size() || !grads[entry.slot].defined()) continue;
      Tensor r = (*entry.hook)(grads[entry.slot]);
      if (r.defined()) grads[entry.slot] = std::move(r);
    }
  }
  return grads;
}

tensor_list Node::call_pre_hooks(tensor_list grads) {
  if (!hooks_) return grads;
  auto list = hooks_->pre;
  for (auto& entry : list) {
    tensor_list r = (*entry.hook)(grads);
    if (!r.empty()) grads = std::move(r);
  }
  return grads;
}

tensor_list Node::call_post_hooks(tensor_list grad_inputs, const tensor_list& grad_outputs) {
  if (!hooks_) return grad_inputs;
  auto list = hooks_->post;
  for (auto& entry : list) {
    tensor_list r = (*entry.hook)(grad_inputs, grad_outputs);
    if (!r.empty()) grad_inputs = std::move(r);
  }
  return grad_inputs;
}

uint32_t Node::add_input_metadata(const Tensor& t) {
  input_meta_.push_back(InputMetadata{t.sizes(), t.dtype()});
  return static_cast<uint32_t>(input_meta_.size() - 1);
}

// Note [Iterative node teardown]
// A chain of a million ops is a million nodes, each owning the next through its edges:
// destroying them recursively overflows the stack. A dying node hands the children it
// solely owns to a thread-local list, and the outermost dying node frees that list in a
// loop, so the depth of recursion stays constant.
namespace {
thread_local std::vector<std::shared_ptr<Node>>* t_dying_children = nullptr;
}

Node::~Node() {
  std::vector<std::shared_ptr<Node>> local;
  bool outermost = t_dying_children == nullptr;
  if (outermost) t_dying_children = &local;
  for (Edge& e : next_edges_) {
    if (e.fn && e.fn.use_count() == 1) t_dying_children->push_back(std::move(e.fn));
  }
  if (outermost) {
    while (!local.empty()) {
      std::shared_ptr<Node> n = std::move(local.back());
      local.pop_back();
      n.reset();  // may append more children to `local`
    }
    t_dying_children = nullptr;
  }
}

}  // namespace bibun
