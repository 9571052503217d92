// Node (= grad_fn): one recorded op's backward. Inputs of apply() are the gradients of the
// op's outputs; its results are the gradients of the op's inputs, sent along next_edges.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/edge.h"
#include "autograd/hooks.h"
#include "tensor/tensor.h"

namespace bibun {

// Shape and dtype of one forward output, used to validate and materialise its gradient.
struct InputMetadata {
  DimVector shape;
  ScalarType dtype = ScalarType::Float32;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual tensor_list apply(tensor_list&& grads) = 0;
  virtual std::string name() const = 0;
  // Frees what the node saved for backward (after a backward without retain_graph).
  virtual void release_saved() {}
  virtual bool is_accumulate_grad() const { return false; }
  // Whether the engine replaces missing incoming gradients with zeros before apply()
  // (a custom Function may ask for None instead: ctx.set_materialize_grads(False)).
  virtual bool materialize_grads() const { return true; }

  const edge_list& next_edges() const { return next_edges_; }
  edge_list& mutable_next_edges() { return next_edges_; }
  void set_next_edges(edge_list edges) { next_edges_ = std::move(edges); }
  size_t num_outputs() const { return next_edges_.size(); }
  // Whether the gradient of forward input i is wanted by anyone.
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }

  // Registers a forward output; returns its output_nr.
  uint32_t add_input_metadata(const Tensor& t);
  const SmallVector<InputMetadata, 1>& input_metadata() const { return input_meta_; }
  size_t num_inputs() const { return input_meta_.size(); }

  // Hooks; each add returns an id for remove_hook.
  uint64_t add_tensor_pre_hook(uint32_t slot, std::shared_ptr<TensorHook> hook);
  uint64_t add_retains_grad_hook(uint32_t slot, std::shared_ptr<TensorHook> hook);
  uint64_t add_pre_hook(std::shared_ptr<PreHook> hook);
  uint64_t add_post_hook(std::shared_ptr<PostHook> hook);
  bool remove_hook(uint64_t id);
  // Tensor hooks, then retains_grad hooks, then node pre-hooks, in registration order
  // (PyTorch's order). AccumulateGrad runs its leaf's hooks instead.
  virtual tensor_list call_tensor_pre_hooks(tensor_list grads);
  tensor_list call_pre_hooks(tensor_list grads);
  tensor_list call_post_hooks(tensor_list grad_inputs, const tensor_list& grad_outputs);
  // Where the forward created this node (anomaly mode only).
  const std::string& anomaly_trace() const { return anomaly_trace_; }
  void set_anomaly_trace(std::string trace) { anomaly_trace_ = std::move(trace); }

  // Opaque state the Python layer keeps on a node (grad_fn.metadata).
  std::shared_ptr<void>& user_data() { return user_data_; }

  bool has_post_hooks() const { return hooks_ && !hooks_->post.empty(); }

  // Note [Sequence number]
  // Nodes are numbered in creation order per thread; the engine runs the most recent ready
  // node first, which is the reverse of the forward order for a single-threaded forward.
  uint64_t sequence_nr() const { return sequence_nr_; }

 protected:
  edge_list next_edges_;
  SmallVector<InputMetadata, 1> input_meta_;  // most nodes have one output
  uint64_t sequence_nr_;
  std::unique_ptr<NodeHooks> hooks_;
  std::string anomaly_trace_;
  std::shared_ptr<void> user_data_;
};

}  // namespace bibun
