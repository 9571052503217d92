// Views share memory and the version counter (Note [Version counter]); in-place writes are
// seen through views, detach() and saved tensors, but not through `.data`.
#include "doctest/doctest.h"
#include "helpers.h"

using namespace bibun;
using namespace bibun::testing;

TEST_CASE("views alias their base's storage and point at the root base") {
  Tensor base = ops::zeros({3, 4}, ScalarType::Float32);
  Tensor row = ops::select(base, 0, 1);
  Tensor col = ops::slice(ops::t(base), 0, 1, 3, 1);
  CHECK(row->storage().get() == base->storage().get());
  CHECK(row.is_same(row));
  CHECK(row->is_view());
  CHECK(col->view_base().get() == base.get());  // a view of a view points at the root
  CHECK_FALSE(base->is_view());
  CHECK(row->offset() == 4);
  CHECK(ops::slice(base, 1, 0, 4, 2).strides() == DimVector{4, 2});
}

TEST_CASE("an in-place write through a view is visible in the base and bumps the shared version") {
  Tensor base = ops::zeros({2, 3}, ScalarType::Float32);
  Tensor v = ops::slice(base, 1, 0, 3, 2);  // columns 0 and 2
  uint32_t before = base->version();
  ops::add_(v, scalar(5.0), kOne);
  CHECK(base->version() == before + 1);
  CHECK(v->version() == base->version());
  CHECK(values(base) == std::vector<double>{5, 0, 5, 5, 0, 5});
  ops::mul_(base, scalar(2.0));
  CHECK(v->version() == before + 2);
  CHECK(values(v) == std::vector<double>{10, 10, 10, 10});
}

TEST_CASE("detach() shares the version counter; .data gets its own") {
  Tensor x = ops::ones({3}, ScalarType::Float32);
  Tensor d = detach(x, /*share_version=*/true);
  Tensor data = detach(x, /*share_version=*/false);
  ops::add_(d, scalar(1.0), kOne);
  CHECK(x->version() == 1);
  ops::add_(data, scalar(1.0), kOne);
  CHECK(x->version() == 1);
  CHECK(data->version() == 1);
  CHECK(all_equal(x, 3.0));  // all three alias the same memory
}

TEST_CASE("a saved tensor modified in place through a view is detected at backward") {
  Tensor x = leaf({4});
  Tensor y = ops::exp(x);
  Tensor z = ops::mul(y, y);  // saves y twice
  Tensor y2 = ops::select(y, 0, 2);
  ops::add_(y2, scalar(1.0), kOne);
  std::string msg = error_of([&] { backward(sum_all(z)); });
  CHECK(contains(msg, "one of the variables needed for gradient computation has been modified by an inplace operation"));
  CHECK(contains(msg, "is at version 1; expected version 0 instead"));
}

TEST_CASE("an in-place op on a view of a non-leaf rewrites the base's history (CopySlices)") {
  Tensor x = leaf({2, 3}, 2.0);
  Tensor y = ops::mul(x, scalar(1.0));
  Tensor row = ops::select(y, 0, 0);
  ops::mul_(row, scalar(3.0));
  REQUIRE(grad_fn(y));
  CHECK(grad_fn(y)->name() == "torch::autograd::CopySlices");
  backward(sum_all(y));
  CHECK(values(grad_of(x)) == std::vector<double>{3, 3, 3, 1, 1, 1});
}

TEST_CASE("an in-place op on a leaf that requires grad raises PyTorch's error") {
  Tensor x = leaf({2});
  std::string msg = error_of([&] { ops::add_(x, scalar(1.0), kOne); });
  CHECK(contains(msg, "a leaf Variable that requires grad"));
  CHECK(x->version() == 0);
}
