// Elementwise arithmetic ops with broadcasting and type promotion, and their recording.
#include <algorithm>

#include "ops/common.h"
#include "ops/write_checks.h"
#include "ops/output_layout.h"

namespace bibun::ops {

using kernels::BinaryOp;
using kernels::UnaryOp;

namespace {

Tensor binary_kernel(BinaryOp op, const Tensor& a, const Tensor& b, ScalarType dtype, Scalar alpha) {
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), dtype, {&a, &b}, dtype);
  kernels::binary(op, out, cast_operand(a, dtype), cast_operand(b, dtype), alpha);
  return out;
}

Tensor unary_kernel(UnaryOp op, const Tensor& a, ScalarType dtype) {
  Tensor out = empty_elementwise(a.sizes(), dtype, {&a}, dtype);
  kernels::unary(op, out, cast_data(a, dtype));
  return out;
}


// Records a unary node that saves `slot` (self or result).
template <typename N>
Tensor record_unary(const Tensor& a, Tensor out, SavedSlot slot) {
  if (auto node = make_node<N>({&a})) {
    if (slot == kSelf) node->save(kSelf, a);
    set_history(out, node);
    if (slot == kResult) node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  ScalarType dtype = result_type(a, b);
  check_alpha(alpha, dtype);
  Tensor out = binary_kernel(BinaryOp::Add, a, b, dtype, alpha);
  if (auto node = make_node<AddBackward0>({&a, &b})) {
    node->alpha = alpha;
    set_history(out, node);
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  ScalarType dtype = result_type(a, b);
  check_alpha(alpha, dtype);
  check_subtraction_dtypes(a, b);
  Tensor out = binary_kernel(BinaryOp::Sub, a, b, dtype, alpha);
  if (auto node = make_node<SubBackward0>({&a, &b})) {
    node->alpha = alpha;
    set_history(out, node);
  }
  return out;
}

Tensor rsub(const Tensor& a, const Tensor& b, Scalar alpha) {
  ScalarType dtype = result_type(a, b);
  BIBUN_CHECK(a.dtype() != ScalarType::Bool && b.dtype() != ScalarType::Bool,
              "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
              "mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = binary_kernel(BinaryOp::Sub, b, a, dtype, alpha);
  if (auto node = make_node<RsubBackward1>({&a})) {
    node->alpha = alpha;
    set_history(out, node);
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::Mul, a, b, result_type(a, b), Scalar(int64_t{1}));
  if (auto node = make_node<MulBackward0>({&a, &b})) {
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  if (!is_floating(dtype)) dtype = default_dtype();  // true division
  Tensor out = binary_kernel(BinaryOp::Div, a, b, dtype, Scalar(int64_t{1}));
  if (auto node = make_node<DivBackward0>({&a, &b})) {
    node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor pow(const Tensor& a, Scalar exponent) {
  ScalarType dtype = a.dtype();
  if (exponent.is_floating() && !is_floating(dtype)) dtype = default_dtype();
  if (exponent.kind() == Scalar::Kind::Int && dtype == ScalarType::Bool) dtype = ScalarType::Int64;
  Tensor out = empty_elementwise(a.sizes(), dtype, {&a}, dtype);
  kernels::pow_scalar(out, cast_data(a, dtype), exponent);
  if (auto node = make_node<PowBackward0>({&a})) {
    node->exponent = exponent;
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& exponent) {
  if (exponent->is_wrapped_number()) {
    Scalar e = is_floating(exponent.dtype()) ? Scalar(exponent.data<double>()[0])
               : exponent.dtype() == ScalarType::Bool ? Scalar(exponent.data<bool>()[0])
                                                       : Scalar(exponent.data<int64_t>()[0]);
    return pow(a, e);
  }
  ScalarType dtype = result_type(a, exponent);
  BIBUN_CHECK_T(NotImplementedError, dtype != ScalarType::Bool, "\"pow\" not implemented for 'Bool'");
  // Unlike a number exponent, negative integer tensor exponents are allowed (1, -1 or 0 results).
  Tensor out = binary_kernel(BinaryOp::Pow, a, exponent, dtype, Scalar(int64_t{1}));
  if (auto node = make_node<PowBackward1>({&a, &exponent})) {
    node->save(kSelf, a);
    node->save(kOther, exponent);
    set_history(out, node);
    if (node->needs_input_grad(1)) node->save(kResult, out, true);
  }
  return out;
}

Tensor pow(Scalar base, const Tensor& exponent) {
  Tensor b = wrapped_scalar(base);
  ScalarType dtype = result_type(b, exponent);
  BIBUN_CHECK_T(NotImplementedError, dtype != ScalarType::Bool, "\"pow\" not implemented for 'Bool'");
  Tensor out = binary_kernel(BinaryOp::Pow, b, exponent, dtype, Scalar(int64_t{1}));
  if (auto node = make_node<PowBackward2>({&exponent})) {
    node->base = base;
    node->save(kOther, exponent);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor neg(const Tensor& a) {
  Tensor out = unary_kernel(UnaryOp::Neg, a, a.dtype());
  if (auto node = make_node<NegBackward0>({&a})) set_history(out, node);
  return out;
}

Tensor exp(const Tensor& a) {
  return record_unary<ExpBackward0>(a, unary_kernel(UnaryOp::Exp, a, float_type_for(a)), kResult);
}
Tensor log(const Tensor& a) {
  return record_unary<LogBackward0>(a, unary_kernel(UnaryOp::Log, a, float_type_for(a)), kSelf);
}
Tensor sigmoid(const Tensor& a) {
  return record_unary<SigmoidBackward0>(a, unary_kernel(UnaryOp::Sigmoid, a, float_type_for(a)), kResult);
}
Tensor log_sigmoid(const Tensor& a) {
  return record_unary<LogSigmoidBackward0>(a, unary_kernel(UnaryOp::LogSigmoid, a, float_type_for(a)), kSelf);
}
Tensor sqrt(const Tensor& a) {
  return record_unary<SqrtBackward0>(a, unary_kernel(UnaryOp::Sqrt, a, float_type_for(a)), kResult);
}
Tensor reciprocal(const Tensor& a) {
  return record_unary<ReciprocalBackward0>(a, unary_kernel(UnaryOp::Reciprocal, a, float_type_for(a)), kResult);
}
Tensor abs(const Tensor& a) {
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool, "\"abs_cpu\" not implemented for 'Bool'");
  return record_unary<AbsBackward0>(a, unary_kernel(UnaryOp::Abs, a, a.dtype()), kSelf);
}
Tensor sign(const Tensor& a) {
  Tensor out = unary_kernel(UnaryOp::Sign, a, a.dtype());
  if (auto node = make_node<SignBackward0>({&a})) set_history(out, node);
  return out;
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, Scalar value) {
  BIBUN_CHECK(mask.dtype() == ScalarType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
              dtype_name(mask.dtype()));
  DimVector shape = kernels::broadcast_shapes(a.sizes(), mask.sizes());
  BIBUN_CHECK(shape == a.sizes(), "masked_fill: mask of shape must be broadcastable to the input's shape");
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::masked_fill(out, a, mask, value);
  if (auto node = make_node<MaskedFillBackward0>({&a})) {
    node->save(kOther, mask);
    set_history(out, node);
  }
  return out;
}

Tensor compare(int op, const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), ScalarType::Bool, {&a, &b}, dtype);
  kernels::binary(static_cast<BinaryOp>(op), out, cast_data(a, dtype), cast_data(b, dtype));
  return out;
}

Tensor eq(const Tensor& a, const Tensor& b) { return compare(static_cast<int>(BinaryOp::Eq), a, b); }

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  return all(eq(a, b), {}, false).data<bool>()[0];
}

namespace {
Tensor recorded_copy(const Tensor& a, Tensor out) {
  kernels::copy(out, a);
  if (auto node = make_node<CloneBackward0>({&a})) set_history(out, node);
  return out;
}
}  // namespace

// PyTorch's clone(memory_format=preserve) lays the copy out as an elementwise result of `a`: a
// dense input's strides are kept, others become dense in the same dim order.
Tensor clone(const Tensor& a) { return recorded_copy(a, empty_elementwise(a.sizes(), a.dtype(), {&a})); }

Tensor contiguous(const Tensor& a) { return a.is_contiguous() ? a : recorded_copy(a, empty(a.sizes(), a.dtype())); }

Tensor to_dtype(const Tensor& a, ScalarType dtype) {
  if (a.dtype() == dtype) return a;
  Tensor out = empty(a.sizes(), dtype);
  kernels::copy(out, a);
  if (is_floating(dtype)) {
    if (auto node = make_node<ToCopyBackward0>({&a})) {
      node->self_dtype = a.dtype();
      set_history(out, node);
    }
  }
  return out;
}

}  // namespace bibun::ops
