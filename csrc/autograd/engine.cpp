#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/accumulate_grad.h"
#include "autograd/anomaly_mode.h"
#include "autograd/variable.h"
#include "kernels/kernels.h"
#include "ops/ops.h"

namespace bibun {

namespace {

// Whether `from` can be summed down to `to` (the reverse of broadcasting).
bool is_expandable_to(const DimVector& to, const DimVector& from) {
  if (to.size() > from.size()) return false;
  size_t off = from.size() - to.size();
  for (size_t i = 0; i < to.size(); ++i)
    if (to[i] != from[off + i] && to[i] != 1) return false;
  return true;
}

// The root of a backward call: one node whose outputs are the seed gradients.
class GraphRoot : public Node {
 public:
  GraphRoot(edge_list edges, tensor_list grads) : grads_(std::move(grads)) {
    next_edges_ = std::move(edges);
  }
  tensor_list apply(tensor_list&&) override { return grads_; }
  std::string name() const override { return "GraphRoot"; }

 private:
  tensor_list grads_;
};

// Gradient slots of one node, summed as they arrive.
struct InputBuffer {
  tensor_list grads;
  void add(size_t slot, Tensor g) {
    if (grads.size() <= slot) grads.resize(slot + 1);
    if (!grads[slot].defined()) {
      grads[slot] = std::move(g);
    } else {
      grads[slot] = ops::add(grads[slot], g, Scalar(int64_t{1}));
    }
  }
};

struct ReadyEntry {
  Node* node;
  bool operator<(const ReadyEntry& o) const {
    // priority_queue pops the largest: AccumulateGrad (UINT64_MAX) first, then the most
    // recently created node (Note [Sequence number]).
    return node->sequence_nr() < o.node->sequence_nr();
  }
};

// Makes `grad` fit the metadata the next node recorded for this slot, or throws
// PyTorch's "invalid gradient" error naming the producing node.
Tensor validate_gradient(const Node& producer, size_t index, Tensor grad, const InputMetadata& meta) {
  if (grad.sizes() != meta.shape) {
    BIBUN_CHECK(is_expandable_to(meta.shape, grad.sizes()), "Function ", producer.name(),
                " returned an invalid gradient at index ", index, " - got ", shape_str(grad.sizes()),
                " but expected shape compatible with ", shape_str(meta.shape));
    grad = ops::sum_to(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = ops::to_dtype(grad, meta.dtype);
  return grad;
}

// Per-node state of one backward call.
struct NodeState {
  int32_t dependencies = 0;  // edges into the node not yet processed
  bool needed = false;       // with `inputs`: some target is reachable from it
  bool visited = false;      // scratch of mark_needed's traversal
  InputBuffer buffer;
};

// Note [Node table]
// The engine's per-node state, keyed by node pointer: open addressing with linear probing over a
// power-of-two table of (node, index) pairs, states in a dense vector in discovery order. A deep
// chain touches every node a few times; std::unordered_map paid a malloc per node and rehashes
// that dominated backward on graphs of 10^5+ nodes.
class NodeTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  // The index of `n`, added with a fresh state if new (`*inserted` says which).
  uint32_t find_or_insert(Node* n, bool* inserted) {
    if ((states_.size() + 1) * 2 > slots_.size()) grow();
    size_t i = probe(n);
    *inserted = slots_[i].node == nullptr;
    if (*inserted) {
      slots_[i] = {n, static_cast<uint32_t>(states_.size())};
      states_.emplace_back();
    }
    return slots_[i].index;
  }
  uint32_t find(Node* n) const {
    if (slots_.empty()) return kMissing;
    const Slot& s = slots_[probe(n)];
    return s.node ? s.index : kMissing;
  }
  NodeState& operator[](uint32_t i) { return states_[i]; }

 private:
  struct Slot {
    Node* node = nullptr;
    uint32_t index = 0;
  };
  size_t probe(Node* n) const {
    // Fibonacci hashing: the top bits of the product index the table.
    size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>(reinterpret_cast<uintptr_t>(n) * 0x9E3779B97F4A7C15ull >> shift_);
    while (slots_[i].node && slots_[i].node != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
    shift_ = 64 - __builtin_ctzll(slots_.size());
    for (const Slot& s : old)
      if (s.node) slots_[probe(s.node)] = s;
  }
  std::vector<Slot> slots_;
  std::vector<NodeState> states_;
  int shift_ = 64;
};

// Note [Graph task]
// All state of one backward call lives here, so concurrent calls on different threads
// share nothing but the graph they read.
struct GraphTask {
  NodeTable nodes;
  // With `inputs`: only nodes marked `needed` run.
  bool filter = false;
  // Capture points: (node, slot) -> index into `captured`.
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;
  tensor_list captured;
};

// Indexes every node reachable from `root` and counts the edges into each.
void count_dependencies(Node* root, GraphTask& task) {
  bool inserted = false;
  task.nodes.find_or_insert(root, &inserted);
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.fn) continue;
      Node* next = e.fn.get();
      uint32_t i = task.nodes.find_or_insert(next, &inserted);
      task.nodes[i].dependencies += 1;
      if (inserted) stack.push_back(next);
    }
  }
}

// Marks the nodes from which some target is reachable through at least one edge
// (post-order over the graph, iteratively). Every node is already in the table.
void mark_needed(Node* root, const std::unordered_set<Node*>& targets, GraphTask& task) {
  struct Frame {
    Node* node;
    size_t next_child;
  };
  task.nodes[task.nodes.find(root)].visited = true;
  std::vector<Frame> stack{{root, 0}};
  while (!stack.empty()) {
    Frame& f = stack.back();
    const auto& edges = f.node->next_edges();
    if (f.next_child < edges.size()) {
      Node* child = edges[f.next_child++].fn.get();
      if (!child) continue;
      NodeState& cs = task.nodes[task.nodes.find(child)];
      if (!cs.visited) {
        cs.visited = true;
        stack.push_back({child, 0});
      }
      continue;
    }
    Node* n = f.node;
    for (const Edge& e : n->next_edges()) {
      if (e.fn && (targets.count(e.fn.get()) || task.nodes[task.nodes.find(e.fn.get())].needed)) {
        task.nodes[task.nodes.find(n)].needed = true;
        break;
      }
    }
    stack.pop_back();
  }
}

// Runs one node: pre-hooks, apply (with zeros for missing gradients), post-hooks.
tensor_list call_node(Node& node, tensor_list grads, bool is_root) {
  if (is_root) return node.apply(std::move(grads));
  const auto& meta = node.input_metadata();
  if (node.materialize_grads() && !node.is_accumulate_grad()) {
    for (size_t i = 0; i < meta.size(); ++i)
      if (!grads[i].defined()) grads[i] = ops::zeros(meta[i].shape, meta[i].dtype);
  }
  grads = node.call_pre_hooks(std::move(grads));
  if (!node.has_post_hooks()) return node.apply(std::move(grads));
  tensor_list incoming = grads;
  return node.call_post_hooks(node.apply(std::move(grads)), incoming);
}

void check_nan_outputs(const Node& node, const tensor_list& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& g = outputs[i];
    if (!g.defined() || !is_floating(g.dtype())) continue;
    Tensor nan = ops::compare(static_cast<int>(kernels::BinaryOp::Ne), g, g);
    BIBUN_CHECK(!ops::any(nan, {}, false).data<bool>()[0], "Function '", node.name(), "' returned nan values in its ",
                i, "th output.");
  }
}

}  // namespace

tensor_list run_backward(const tensor_list& roots, const tensor_list& grad_roots, const tensor_list& inputs,
                         const BackwardOptions& options) {
  BIBUN_ASSERT(roots.size() == grad_roots.size());
  edge_list root_edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    BIBUN_CHECK(e.valid(), "element ", i, " of tensors does not require grad and does not have a grad_fn");
    root_edges.push_back(std::move(e));
  }
  auto graph_root = std::make_shared<GraphRoot>(root_edges, grad_roots);

  GraphTask task;
  count_dependencies(graph_root.get(), task);

  // Targets given by `inputs`: a non-leaf input is captured at its grad_fn's slot, a leaf at
  // its accumulator.
  edge_list input_edges;
  if (!inputs.empty()) {
    task.filter = true;
    task.captured.resize(inputs.size());
    std::unordered_set<Node*> targets;
    for (size_t i = 0; i < inputs.size(); ++i) {
      Edge e = gradient_edge(inputs[i]);
      BIBUN_CHECK(e.valid(), "One of the differentiated Tensors does not require grad");
      targets.insert(e.fn.get());
      task.captures[e.fn.get()].push_back({e.input_nr, i});
      input_edges.push_back(std::move(e));
    }
    mark_needed(graph_root.get(), targets, task);
  }

  AutoGradMode grad_mode(options.create_graph);
  std::priority_queue<ReadyEntry> ready;
  ready.push({graph_root.get()});

  while (!ready.empty()) {
    Node* node = ready.top().node;
    ready.pop();
    NodeState& state = task.nodes[task.nodes.find(node)];
    tensor_list grads = std::move(state.buffer.grads);
    grads.resize(std::max(grads.size(), node->num_inputs()));
    const bool needed = state.needed;

    if (node != graph_root.get()) grads = node->call_tensor_pre_hooks(std::move(grads));

    if (task.filter) {
      auto cap = task.captures.find(node);
      if (cap != task.captures.end()) {
        for (auto [slot, index] : cap->second) task.captured[index] = grads[slot];
      }
      bool runs = needed || (options.accumulate_grad && node->is_accumulate_grad());
      if (!runs) continue;
    }

    tensor_list outputs;
    try {
      outputs = call_node(*node, std::move(grads), node == graph_root.get());
      if (AnomalyMode::is_enabled() && AnomalyMode::check_nan()) check_nan_outputs(*node, outputs);
    } catch (...) {
      if (AnomalyMode::is_enabled() && !node->anomaly_trace().empty()) {
        AnomalyMode::warn("Error detected in " + node->name() +
                          ". Traceback of forward call that caused the error:\n" + node->anomaly_trace());
      }
      throw;
    }
    if (!options.keep_graph) node->release_saved();

    const auto& edges = node->next_edges();
    BIBUN_CHECK(outputs.size() == edges.size() || node->is_accumulate_grad(), "function ", node->name(),
                " returned an incorrect number of gradients (expected ", edges.size(), ", got ", outputs.size(),
                ")");
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.fn) continue;
      Node* next = e.fn.get();
      NodeState& ns = task.nodes[task.nodes.find(next)];  // the table no longer grows: references stay valid
      if (outputs[i].defined()) {
        Tensor g = node == graph_root.get()
                       ? std::move(outputs[i])
                       : validate_gradient(*node, i, std::move(outputs[i]), next->input_metadata()[e.input_nr]);
        ns.buffer.add(e.input_nr, std::move(g));
      }
      if (--ns.dependencies == 0) {
        if (!task.filter || ns.needed || task.captures.count(next)) ready.push({next});
        else ns.buffer.grads.clear();
      }
    }
  }

  if (!task.filter) return {};
  if (options.accumulate_grad) {
    // backward(inputs=...) also fills .grad of non-leaf inputs.
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!is_leaf(inputs[i]) && task.captured[i].defined())
        AccumulateGrad::accumulate(inputs[i], task.captured[i]);
    }
    return {};
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    BIBUN_CHECK(task.captured[i].defined() || options.allow_unused,
                "One of the differentiated Tensors appears to not have been used in the graph. Set "
                "allow_unused=True if this is the desired behavior.");
  }
  return task.captured;
}

tensor_list make_grad_roots(const tensor_list& roots, const tensor_list& grads) {
  tensor_list out(roots.size());
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i < grads.size() && grads[i].defined()) {
      BIBUN_CHECK(grads[i].sizes() == roots[i].sizes(), "Mismatch in shape: grad_output[", i,
                  "] has a shape of ", size_str(grads[i].sizes()), " and output[", i, "] has a shape of ",
                  size_str(roots[i].sizes()), ".");
      out[i] = grads[i];
    } else {
      BIBUN_CHECK(roots[i].numel() == 1, "grad can be implicitly created only for scalar outputs");
      BIBUN_CHECK(is_floating(roots[i].dtype()), "grad can be implicitly created only for real scalar outputs but got ",
                  "torch.", dtype_name(roots[i].dtype()));
      out[i] = ops::ones(roots[i].sizes(), roots[i].dtype());
    }
  }
  return out;
}

}  // namespace bibun
