// In-place ops and the out= form. Note [In-place rebase] (autograd/variable.cpp) says how
// they change a tensor's history.
#include <algorithm>

#include "ops/common.h"
#include "ops/write_checks.h"

namespace bibun::ops {

using kernels::BinaryOp;

bool is_non_overlapping_and_dense(const Tensor& t) {
  if (t.is_contiguous()) return true;
  const DimVector& sizes = t.sizes();
  const DimVector& strides = t.strides();
  std::vector<int64_t> order;  // dims of size 1 take any stride
  for (int64_t d = 0; d < t.dim(); ++d)
    if (sizes[d] != 1) order.push_back(d);
  std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return strides[x] < strides[y]; });
  int64_t expected = 1;
  for (int64_t d : order) {
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

// Note [Memory overlap]
// An elementwise write reads each input element before writing the output element at the same
// index, so an input that is the written tensor itself (the same elements in the same layout) is
// safe, and so is one in disjoint memory; anything in between would read partly overwritten
// values and is rejected as PyTorch rejects it. Layouts with gaps or repeats are not analysed
// (TooHard, allowed). The check costs a pointer comparison unless both share a Storage.
MemOverlap overlap_status(const Tensor& a, const Tensor& b) {
  if (a.is_same(b)) return MemOverlap::Full;
  if (a.numel() == 0 || b.numel() == 0) return MemOverlap::No;
  if (a->storage().get() != b->storage().get()) return MemOverlap::No;
  if (!is_non_overlapping_and_dense(a) || !is_non_overlapping_and_dense(b)) return MemOverlap::TooHard;
  auto* a_begin = static_cast<const char*>(a->data());
  auto* b_begin = static_cast<const char*>(b->data());
  auto* a_end = a_begin + a.numel() * static_cast<int64_t>(itemsize(a.dtype()));
  auto* b_end = b_begin + b.numel() * static_cast<int64_t>(itemsize(b.dtype()));
  if (a_begin == b_begin && a_end == b_end)
    return a.strides() == b.strides() ? MemOverlap::Full : MemOverlap::Partial;
  if (a_begin < b_end && b_begin < a_end) return MemOverlap::Partial;
  return MemOverlap::No;
}

void check_no_partial_overlap(const Tensor& written, const Tensor& input) {
  BIBUN_CHECK(overlap_status(written, input) != MemOverlap::Partial,
              "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
              "memory location. Please clone() the tensor before performing the operation.");
}

void check_no_internal_overlap(const Tensor& t) {
  if (t.is_contiguous()) return;
  for (size_t d = 0; d < t.sizes().size(); ++d)
    BIBUN_CHECK(t.strides()[d] != 0 || t.sizes()[d] <= 1 || t.numel() == 0,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

void check_subtraction_dtypes(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(!(a.dtype() == ScalarType::Bool && b.dtype() == ScalarType::Bool),
              "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
              "`logical_xor()` operator instead.");
  BIBUN_CHECK(a.dtype() != ScalarType::Bool && b.dtype() != ScalarType::Bool,
              "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
              "mask, use the `~` or `logical_not()` operator instead.");
}

bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

void check_inplace_write(const Tensor& self, std::initializer_list<const Tensor*> others, ScalarType result_dtype,
                         bool allow_overlap) {
  check_inplace(self);
  for (const Tensor* other : others) {  // shapes first: PyTorch reports a bad shape before a bad dtype
    if (!other->defined()) continue;
    DimVector shape = kernels::broadcast_shapes(self.sizes(), other->sizes());
    BIBUN_CHECK(shape == self.sizes(), "output with shape ", shape_str(self.sizes()),
                " doesn't match the broadcast shape ", shape_str(shape));
  }
  BIBUN_CHECK(can_cast(result_dtype, self.dtype()), "result type ", c_type_name(result_dtype),
              " can't be cast to the desired output type ", c_type_name(self.dtype()));
  // Writing one value everywhere (fill_, zero_) is well defined even on overlapping memory.
  if (!allow_overlap) check_no_internal_overlap(self);
  for (const Tensor* other : others)  // Note [Memory overlap]
    if (other->defined()) check_no_partial_overlap(self, *other);
}

namespace {

// self = op(self, other) computed in `dtype`, written back in self's dtype.
void binary_into_self(BinaryOp op, Tensor& self, const Tensor& other, ScalarType dtype, Scalar alpha) {
  if (dtype == self.dtype()) {
    kernels::binary(op, self, self, cast_operand(other, dtype), alpha);
    return;
  }
  Tensor tmp = empty(self.sizes(), dtype);
  kernels::binary(op, tmp, cast_operand(self, dtype), cast_operand(other, dtype), alpha);
  kernels::copy(self, tmp);
}

}  // namespace

Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha) {
  ScalarType dtype = result_type(self, other);
  check_alpha(alpha, dtype);
  check_inplace_write(self, {&other}, dtype);
  auto node = make_node<AddBackward0>({&self, &other});
  if (node) node->alpha = alpha;
  binary_into_self(BinaryOp::Add, self, other, dtype, alpha);
  rebase_history(self, node);
  return self;
}

Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha) {
  check_subtraction_dtypes(self, other);
  ScalarType dtype = result_type(self, other);
  check_alpha(alpha, dtype);
  check_inplace_write(self, {&other}, dtype);
  auto node = make_node<SubBackward0>({&self, &other});
  if (node) node->alpha = alpha;
  binary_into_self(BinaryOp::Sub, self, other, dtype, alpha);
  rebase_history(self, node);
  return self;
}

Tensor& mul_(Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  check_inplace_write(self, {&other}, dtype);
  auto node = make_node<MulBackward0>({&self, &other});
  if (node) {
    if (node->needs_input_grad(0)) node->save(kOther, other);
    // The gradient of `other` needs self's value before the write.
    if (node->needs_input_grad(1)) node->save(kSelf, clone(self));
  }
  binary_into_self(BinaryOp::Mul, self, other, dtype, Scalar(int64_t{1}));
  rebase_history(self, node);
  return self;
}

Tensor& div_(Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  if (!is_floating(dtype)) dtype = default_dtype();
  check_inplace_write(self, {&other}, dtype);
  auto node = make_node<DivBackward0>({&self, &other});
  if (node) {
    node->save(kOther, other);
    if (node->needs_input_grad(1)) node->save(kSelf, clone(self));
  }
  binary_into_self(BinaryOp::Div, self, other, dtype, Scalar(int64_t{1}));
  rebase_history(self, node);
  return self;
}

Tensor& fill_(Tensor& self, Scalar value) {
  check_inplace_write(self, {}, self.dtype(), /*allow_overlap=*/true);
  auto node = make_node<FillBackward2>({&self});
  kernels::fill(self, value);
  rebase_history(self, node);
  return self;
}

Tensor& zero_(Tensor& self) {
  check_inplace_write(self, {}, self.dtype(), /*allow_overlap=*/true);
  auto node = make_node<ZeroBackward0>({&self});
  kernels::fill(self, Scalar(int64_t{0}));
  rebase_history(self, node);
  return self;
}

Tensor& copy_(Tensor& self, const Tensor& src) {
  check_inplace_write(self, {&src}, self.dtype());
  auto node = make_node<CopyBackwards>({&self, &src});
  // The same elements in the same layout (Note [Memory overlap]): nothing to copy.
  bool same_data = self.is_same(src) || (self.dtype() == src.dtype() && overlap_status(self, src) == MemOverlap::Full);
  if (!same_data) kernels::copy(self, src);
  rebase_history(self, node);
  return self;
}

Tensor& t_(Tensor& self) {
  BIBUN_CHECK(self.dim() <= 2, "t_() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  check_inplace(self);
  BIBUN_CHECK_T(NotImplementedError, !(self->is_view() && self.requires_grad() && GradMode::is_enabled()),
                "bibun does not support t_() on a view that requires grad; use t()");
  auto node = make_node<TBackward1>({&self});
  if (self.dim() == 2) {
    DimVector sizes{self.sizes()[1], self.sizes()[0]}, strides{self.strides()[1], self.strides()[0]};
    self->set_sizes_and_strides(sizes, strides, self->offset());
  }
  rebase_history(self, node);
  return self;
}

Tensor& assign_out(Tensor& out, const Tensor& result) {
  BIBUN_CHECK(!(GradMode::is_enabled() && (result.requires_grad() || out.requires_grad())),
              "out=... arguments don't support automatic differentiation, but one of the arguments requires grad.");
  BIBUN_CHECK(can_cast(result.dtype(), out.dtype()), "result type ", c_type_name(result.dtype()),
              " can't be cast to the desired output type ", c_type_name(out.dtype()));
  check_no_internal_overlap(out);  // before a resize, as PyTorch
  if (out.sizes() != result.sizes()) {
    Tensor fresh = empty(result.sizes(), out.dtype());
    out->set_data(*fresh.get());
  }
  kernels::copy(out, result);
  out->bump_version();
  return out;
}

Tensor& assign_out_checked(Tensor& out, const Tensor& result, std::initializer_list<const Tensor*> inputs) {
  // Checked against out's memory before a resize gives it a fresh one, as PyTorch does.
  for (const Tensor* input : inputs)
    if (input->defined()) check_no_partial_overlap(out, *input);
  return assign_out(out, result);
}

}  // namespace bibun::ops
