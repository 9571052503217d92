// Edge: where a gradient flows to — a node and which of its inputs.
#pragma once
#include <cstdint>
#include <memory>

#include "tensor/small_vector.h"

namespace bibun {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// A node's edges: most have one or two.
using edge_list = SmallVector<Edge, 2>;

}  // namespace bibun
