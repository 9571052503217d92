// Node (= grad_fn): one recorded op's backward. Inputs of apply() are the gradients of the
// op's outputs; its results are the gradients of the op's inputs, sent along next_edges.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/edge.h"
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

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  std::vector<Edge>& mutable_next_edges() { return next_edges_; }
  void set_next_edges(std::vector<Edge> edges) { next_edges_ = std::move(edges); }
  size_t num_outputs() const { return next_edges_.size(); }
  // Whether the gradient of forward input i is wanted by anyone.
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }

  // Registers a forward output; returns its output_nr.
  uint32_t add_input_metadata(const Tensor& t);
  const std::vector<InputMetadata>& input_metadata() const { return input_meta_; }
  size_t num_inputs() const { return input_meta_.size(); }

  // Note [Sequence number]
  // Nodes are numbered in creation order per thread; the engine runs the most recent ready
  // node first, which is the reverse of the forward order for a single-threaded forward.
  uint64_t sequence_nr() const { return sequence_nr_; }

 protected:
  std::vector<Edge> next_edges_;
  std::vector<InputMetadata> input_meta_;
  uint64_t sequence_nr_;
};

}  // namespace bibun
