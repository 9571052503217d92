// Tensor core: shapes, strides, contiguity, dtypes, storage and the allocator.
#include <cstdint>
#include <limits>

#include "doctest/doctest.h"
#include "helpers.h"
#include "tensor/storage.h"

using namespace bibun;
using namespace bibun::testing;

TEST_CASE("a new tensor is contiguous with row-major strides") {
  Tensor t = ops::zeros({2, 3, 4}, ScalarType::Float32);
  CHECK(t.sizes() == DimVector{2, 3, 4});
  CHECK(t.strides() == DimVector{12, 4, 1});
  CHECK(t.numel() == 24);
  CHECK(t.dim() == 3);
  CHECK(t.is_contiguous());
  CHECK(all_equal(t, 0.0));
}

TEST_CASE("0-d and empty tensors") {
  Tensor s = ops::full({}, Scalar(2.5), ScalarType::Float64);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(values(s) == std::vector<double>{2.5});
  Tensor e = ops::ones({0, 3}, ScalarType::Float32);
  CHECK(e.numel() == 0);
  CHECK(e.is_contiguous());
  CHECK(values(sum_all(e)) == std::vector<double>{0.0});
}

TEST_CASE("storage is 64-byte aligned and sized in bytes") {
  for (size_t n : {size_t{1}, size_t{7}, size_t{64}, size_t{1000}}) {
    auto s = Storage::allocate(n);
    CHECK(s->nbytes() == n);
    CHECK(reinterpret_cast<uintptr_t>(s->data()) % 64 == 0);
  }
  auto empty = Storage::allocate(0);
  CHECK(empty->nbytes() == 0);
}

TEST_CASE("an absurd allocation throws PyTorch's allocator error instead of aborting") {
  std::string msg = error_of([] { Storage::allocate(size_t{1} << 62); });
  CHECK(contains(msg, "DefaultCPUAllocator: not enough memory: you tried to allocate"));
  msg = error_of([] { Storage::allocate(std::numeric_limits<size_t>::max() - 3); });
  CHECK(contains(msg, "DefaultCPUAllocator: not enough memory"));
}

TEST_CASE("a borrowed storage runs its release callback exactly once, when the last tensor dies") {
  static float buffer[6] = {1, 2, 3, 4, 5, 6};
  int released = 0;
  {
    auto s = Storage::borrow(buffer, sizeof(buffer), [&released] { ++released; });
    Tensor t(make_intrusive<TensorImpl>(s, 0, DimVector{2, 3}, DimVector{3, 1}, ScalarType::Float32));
    s = {};
    Tensor v = ops::transpose(t, 0, 1);
    CHECK(values(v) == std::vector<double>{1, 4, 2, 5, 3, 6});
    t = Tensor();
    CHECK(released == 0);
  }
  CHECK(released == 1);
}

TEST_CASE("type promotion of mixed operands follows PyTorch") {
  Tensor i = ops::ones({2}, ScalarType::Int64);
  Tensor f = ops::ones({2}, ScalarType::Float32);
  Tensor d = ops::ones({}, ScalarType::Float64);
  CHECK(ops::add(i, f, kOne).dtype() == ScalarType::Float32);
  CHECK(ops::add(f, d, kOne).dtype() == ScalarType::Float32);  // a 0-d tensor does not promote dims
  CHECK(ops::add(i, scalar(1.5), kOne).dtype() == ScalarType::Float32);
  CHECK(ops::mul(i, i).dtype() == ScalarType::Int64);
  CHECK(ops::div(i, i).dtype() == ScalarType::Float32);
}

TEST_CASE("wrap_dim accepts negative dims and raises IndexError out of range") {
  CHECK(wrap_dim(-1, 3) == 2);
  CHECK(wrap_dim(0, 3) == 0);
  bool index_error = false;
  try {
    wrap_dim(3, 3);
  } catch (const IndexError& e) {
    index_error = contains(e.what(), "Dimension out of range");
  }
  CHECK(index_error);
}

TEST_CASE("broadcasting elementwise ops over non-contiguous inputs") {
  Tensor a = ops::reshape(ops::to_dtype(ops::full({6}, Scalar(1.0), ScalarType::Float64), ScalarType::Float64), {2, 3});
  Tensor b = ops::t(ops::full({3, 2}, Scalar(2.0), ScalarType::Float64));
  CHECK_FALSE(b.is_contiguous());
  Tensor c = ops::mul(a, b);
  CHECK(c.sizes() == DimVector{2, 3});
  CHECK(all_equal(c, 2.0));
  Tensor col = ops::full({2, 1}, Scalar(3.0), ScalarType::Float64);
  CHECK(ops::add(a, col, kOne).sizes() == DimVector{2, 3});
  std::string msg = error_of([&] { ops::add(a, ops::ones({4}, ScalarType::Float64), kOne); });
  CHECK(contains(msg, "must match the size of tensor b"));
}
