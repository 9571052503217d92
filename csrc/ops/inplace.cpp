// In-place ops and the out= form. Note [In-place rebase] (autograd/variable.cpp) says how
// they change a tensor's history.
#include "ops/common.h"

namespace bibun::ops {

using kernels::BinaryOp;

bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

void check_inplace_write(const Tensor& self, std::initializer_list<const Tensor*> others, ScalarType result_dtype,
                         bool allow_overlap) {
  check_inplace(self);
  BIBUN_CHECK(can_cast(result_dtype, self.dtype()), "result type ", c_type_name(result_dtype),
              " can't be cast to the desired output type ", c_type_name(self.dtype()));
  for (const Tensor* other : others) {
    if (!other->defined()) continue;
    DimVector shape = kernels::broadcast_shapes(self.sizes(), other->sizes());
    BIBUN_CHECK(shape == self.sizes(), "output with shape ", shape_str(self.sizes()),
                " doesn't match the broadcast shape ", shape_str(shape));
  }
  // Writing one value everywhere (fill_, zero_) is well defined even on overlapping memory.
  for (size_t d = 0; d < self.sizes().size() && !allow_overlap; ++d)
    BIBUN_CHECK(self.strides()[d] != 0 || self.sizes()[d] <= 1,
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

namespace {

// self = op(self, other) computed in `dtype`, written back in self's dtype.
void binary_into_self(BinaryOp op, Tensor& self, const Tensor& other, ScalarType dtype, Scalar alpha) {
  if (dtype == self.dtype()) {
    kernels::binary(op, self, self, cast_data(other, dtype), alpha);
    return;
  }
  Tensor tmp = empty(self.sizes(), dtype);
  kernels::binary(op, tmp, cast_data(self, dtype), cast_data(other, dtype), alpha);
  kernels::copy(self, tmp);
}

}  // namespace

Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha) {
  ScalarType dtype = result_type(self, other);
  check_inplace_write(self, {&other}, dtype);
  auto node = make_node<AddBackward0>({&self, &other});
  if (node) node->alpha = alpha;
  binary_into_self(BinaryOp::Add, self, other, dtype, alpha);
  rebase_history(self, node);
  return self;
}

Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha) {
  ScalarType dtype = result_type(self, other);
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
  if (!self.is_same(src)) kernels::copy(self, src);
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
  if (out.sizes() != result.sizes()) {
    Tensor fresh = empty(result.sizes(), out.dtype());
    out->set_data(*fresh.get());
  }
  kernels::copy(out, result);
  out->bump_version();
  return out;
}

}  // namespace bibun::ops
