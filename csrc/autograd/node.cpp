#include "autograd/node.h"

namespace bibun {

namespace {
thread_local uint64_t t_next_sequence_nr = 0;
}

Node::Node() : sequence_nr_(t_next_sequence_nr++) {}

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
