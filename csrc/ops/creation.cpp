// Creation ops: empty, zeros, ones, full, eye, randn, wrapped scalars, copies of raw data.
#include <cstring>

#include "ops/common.h"

namespace bibun::ops {

Tensor empty(const DimVector& sizes, ScalarType dtype) {
  for (int64_t s : sizes)
    BIBUN_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": [", [&] {
      std::string r;
      for (size_t i = 0; i < sizes.size(); ++i) r += (i ? ", " : "") + std::to_string(sizes[i]);
      return r;
    }(), "]");
  const int64_t n = numel_of(sizes);
  const size_t item = itemsize(dtype);
  BIBUN_CHECK(n == 0 || static_cast<size_t>(n) <= SIZE_MAX / item,
              "DefaultCPUAllocator: not enough memory: you tried to allocate an absurd number of bytes.");
  return Tensor(make_intrusive<TensorImpl>(TensorImpl::Contiguous{}, Storage::allocate(static_cast<size_t>(n) * item),
                                           sizes, contiguous_strides(sizes), dtype, n));
}

Tensor full(const DimVector& sizes, Scalar value, ScalarType dtype) {
  Tensor t = empty(sizes, dtype);
  kernels::fill(t, value);
  return t;
}

Tensor zeros(const DimVector& sizes, ScalarType dtype) {
  Tensor t = empty(sizes, dtype);
  if (t.numel() > 0) std::memset(t->data(), 0, t.numel() * itemsize(dtype));  // no data pointer when empty
  return t;
}

Tensor ones(const DimVector& sizes, ScalarType dtype) { return full(sizes, Scalar(int64_t{1}), dtype); }

Tensor eye(int64_t n, int64_t m, ScalarType dtype) {
  BIBUN_CHECK(n >= 0, "n must be greater or equal to 0, got ", n);
  BIBUN_CHECK(m >= 0, "m must be greater or equal to 0, got ", m);
  Tensor t = zeros({n, m}, dtype);
  char* base = static_cast<char*>(t->data());
  const size_t item = itemsize(dtype);
  Tensor one = ones({}, dtype);
  for (int64_t i = 0; i < std::min(n, m); ++i) std::memcpy(base + (i * m + i) * item, one->data(), item);
  return t;
}

Tensor randn(const DimVector& sizes, ScalarType dtype) {
  Tensor t = empty(sizes, dtype);
  kernels::randn(t);
  return t;
}

Tensor scalar_tensor(Scalar value, ScalarType dtype) { return full({}, value, dtype); }

Tensor wrapped_scalar(Scalar value) {
  ScalarType dtype = value.kind() == Scalar::Kind::Float  ? ScalarType::Float64
                     : value.kind() == Scalar::Kind::Int ? ScalarType::Int64
                                                          : ScalarType::Bool;
  Tensor t = empty({}, dtype);  // written directly: a fill plan would cost more than the rest of it
  dispatch_all(dtype, [&]<typename T>() { *t.data<T>() = value.to<T>(); });
  t->set_wrapped_number(true);
  return t;
}

Tensor from_blob_copy(const void* data, const DimVector& sizes, const DimVector& byte_strides, ScalarType dtype) {
  Tensor out = empty(sizes, dtype);
  const int64_t item = static_cast<int64_t>(itemsize(dtype));
  DimVector elem_strides(sizes.size());
  bool aligned = true;
  for (size_t i = 0; i < sizes.size(); ++i) {
    aligned &= byte_strides[i] % item == 0;
    elem_strides[i] = byte_strides[i] / item;
  }
  if (aligned) {
    // Borrow the source as a strided tensor and let the copy kernel walk it.
    auto storage = Storage::borrow(const_cast<void*>(data), 0, nullptr);
    Tensor src(make_intrusive<TensorImpl>(storage, 0, sizes, elem_strides, dtype));
    kernels::copy(out, src);
    return out;
  }
  // Unaligned strides: gather element by element.
  char* dst = static_cast<char*>(out->data());
  DimVector idx(sizes.size(), 0);
  for (int64_t n = 0; n < out.numel(); ++n) {
    int64_t off = 0;
    for (size_t d = 0; d < sizes.size(); ++d) off += idx[d] * byte_strides[d];
    std::memcpy(dst + n * item, static_cast<const char*>(data) + off, item);
    for (size_t d = sizes.size(); d-- > 0;) {
      if (++idx[d] < sizes[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

ScalarType result_type(const Tensor& a, const Tensor& b) {
  // Note [Type promotion]
  // Three tiers, as in PyTorch: tensors with dims, 0-d tensors, wrapped Python numbers.
  // A lower tier only matters when it is of a higher category (bool < integer < float).
  struct State {
    std::optional<ScalarType> dim, zero, wrapped;
  } st;
  for (const Tensor* t : {&a, &b}) {
    ScalarType dt = t->dtype();
    std::optional<ScalarType>* slot = &st.dim;
    if ((*t)->is_wrapped_number()) {
      slot = &st.wrapped;
      if (is_floating(dt)) dt = default_dtype();
    } else if (t->dim() == 0) {
      slot = &st.zero;
    }
    *slot = slot->has_value() ? promote_types(**slot, dt) : dt;
  }
  auto category = [](ScalarType t) { return t == ScalarType::Bool ? 0 : is_floating(t) ? 2 : 1; };
  auto combine = [&](std::optional<ScalarType> higher, std::optional<ScalarType> lower) -> std::optional<ScalarType> {
    if (!higher) return lower;
    if (!lower) return higher;
    if (category(*lower) > category(*higher)) return promote_types(*higher, *lower);
    return higher;
  };
  return *combine(st.dim, combine(st.zero, st.wrapped));
}

}  // namespace bibun::ops
