// SmallVector: inline up to N elements, then the heap; elements with owning members survive
// growth, copies and moves (a node's edges hold shared_ptrs).
#include <memory>
#include <string>

#include "doctest/doctest.h"
#include "tensor/small_vector.h"

using namespace bibun;

namespace {
using Strings = SmallVector<std::string, 2>;
const std::string kLong = "a string long enough to live on the heap, not in the SSO buffer";

Strings make(int n) {
  Strings v;
  for (int i = 0; i < n; ++i) v.push_back(kLong + std::to_string(i));
  return v;
}
void check_contents(const Strings& v, int n) {
  REQUIRE(v.size() == static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) CHECK(v[i] == kLong + std::to_string(i));
}
}  // namespace

TEST_CASE("small vector keeps its elements across inline and heap storage") {
  for (int n : {0, 1, 2, 3, 9}) {
    CAPTURE(n);
    Strings v = make(n);
    check_contents(v, n);
    Strings copy = v;
    check_contents(copy, n);
    check_contents(v, n);
    Strings moved = std::move(copy);
    check_contents(moved, n);
    CHECK(copy.empty());
    Strings assigned = make(5);
    assigned = moved;
    check_contents(assigned, n);
    Strings move_assigned = make(1);
    move_assigned = std::move(assigned);
    check_contents(move_assigned, n);
    move_assigned.clear();
    CHECK(move_assigned.empty());
  }
}

TEST_CASE("small vector destroys what it holds exactly once") {
  auto p = std::make_shared<int>(7);
  {
    SmallVector<std::shared_ptr<int>, 2> v{p, p};
    CHECK(p.use_count() == 3);
    v.push_back(p);  // grows onto the heap
    CHECK(p.use_count() == 4);
    SmallVector<std::shared_ptr<int>, 2> w = std::move(v);
    CHECK(p.use_count() == 4);
    w.reserve(10);
    CHECK(p.use_count() == 4);
    CHECK(*w.back() == 7);
  }
  CHECK(p.use_count() == 1);
}
