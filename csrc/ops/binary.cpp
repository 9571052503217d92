// The binary elementwise family (ops/binary.h): check -> kernel -> record, and in-place twins
// that check, build their node before the write and rebase self's history
// (Note [In-place rebase] in autograd/variable.cpp).
#include "ops/binary.h"

#include "autograd/formulas/binary_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/binary_kernels.h"
#include "ops/common.h"
#include "ops/output_layout.h"

namespace bibun::ops {

using kernels::BinaryMathOp;
using kernels::BinaryOp;

namespace {

ScalarType float_result_type(const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  return is_floating(dtype) ? dtype : default_dtype();
}

// op(a, b) computed in `dtype` into a new tensor of the broadcast shape (not recorded).
Tensor math_kernel(BinaryMathOp op, const Tensor& a, const Tensor& b, ScalarType dtype) {
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), dtype, {&a, &b}, dtype);
  kernels::binary_math(op, out, cast_data(a, dtype), cast_data(b, dtype));
  return out;
}

// Integer division, remainder and fmod by zero raise as in PyTorch.
void check_integer_divisor(const Tensor& b, ScalarType dtype) {
  if (is_integral(dtype, /*include_bool=*/false)) BIBUN_CHECK(!kernels::any_zero(cast_data(b, dtype)), "ZeroDivisionError");
}

// The node of an in-place op, built from self's edges before the write, after the checks.
template <typename N>
std::shared_ptr<N> begin_inplace(Tensor& self, std::initializer_list<const Tensor*> others,
                                 std::initializer_list<const Tensor*> inputs, ScalarType dtype) {
  check_inplace_write(self, others, dtype);
  return make_node<N>(inputs);
}

// Writes `result` (self's shape) into self and makes `node` self's history.
template <typename N>
Tensor& finish_inplace(Tensor& self, const Tensor& result, const std::shared_ptr<N>& node) {
  kernels::copy(self, result);
  rebase_history(self, node);
  return self;
}

// Saves both operands (kSelf, kOther); an in-place op passes a clone of self taken before the write.
template <typename N>
void save_operands(N& node, const Tensor& self_value, const Tensor& other) {
  node.save(kSelf, self_value);
  node.save(kOther, other);
}

const char* meta_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "long int";
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
  }
  return "";
}

BinaryMathOp rounding_op(RoundingMode mode) {
  return mode == RoundingMode::Trunc ? BinaryMathOp::DivTrunc : BinaryMathOp::DivFloor;
}

}  // namespace

// ---- division with rounding, floor_divide, remainder, fmod -------------------------------

namespace {

// The quotient for `mode` (not recorded): true division in a floating dtype, or rounded.
Tensor div_kernel(const Tensor& a, const Tensor& b, RoundingMode mode) {
  ScalarType dtype = result_type(a, b);
  if (mode == RoundingMode::None) {
    if (!is_floating(dtype)) dtype = default_dtype();
    Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), dtype, {&a, &b}, dtype);
    kernels::binary(BinaryOp::Div, out, cast_operand(a, dtype), cast_operand(b, dtype));
    return out;
  }
  check_integer_divisor(b, dtype);
  return math_kernel(rounding_op(mode), a, b, dtype);
}

ScalarType div_result_type(const Tensor& a, const Tensor& b, RoundingMode mode) {
  ScalarType dtype = result_type(a, b);
  return mode == RoundingMode::None && !is_floating(dtype) ? default_dtype() : dtype;
}

}  // namespace

Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode) {
  if (mode == RoundingMode::Default) return div(a, b);
  Tensor out = div_kernel(a, b, mode);
  if (auto node = make_node<DivBackward2>({&a, &b})) {
    node->true_division = mode == RoundingMode::None;
    if (node->true_division) save_operands(*node, a, b);
    set_history(out, node);
  }
  return out;
}

Tensor div_scalar(const Tensor& a, Scalar b) {
  Tensor out;
  {
    AutoGradMode no_grad(false);
    out = div(a, wrapped_scalar(b));
  }
  if (auto node = make_node<DivBackward1>({&a})) {
    node->other = b;
    set_history(out, node);
  }
  return out;
}

Tensor& div_(Tensor& self, const Tensor& other, RoundingMode mode) {
  if (mode == RoundingMode::Default) return div_(self, other);
  auto node = begin_inplace<DivBackward2>(self, {&other}, {&self, &other}, div_result_type(self, other, mode));
  if (node) {
    node->true_division = mode == RoundingMode::None;
    if (node->true_division) save_operands(*node, clone(self), other);
  }
  return finish_inplace(self, div_kernel(self, other, mode), node);
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  check_integer_divisor(b, dtype);
  Tensor out = math_kernel(BinaryMathOp::DivFloor, a, b, dtype);
  if (auto node = make_node<NotImplementedBackward>({&a, &b})) {
    node->op = "floor_divide";
    set_history(out, node);
  }
  return out;
}

Tensor& floor_divide_(Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  auto node = begin_inplace<NotImplementedBackward>(self, {&other}, {&self, &other}, dtype);
  if (node) node->op = "floor_divide_";
  check_integer_divisor(other, dtype);
  return finish_inplace(self, math_kernel(BinaryMathOp::DivFloor, self, other, dtype), node);
}

namespace {

// remainder/fmod: N0 for a Python-number divisor, N1 (saving both operands) for a tensor.
template <typename N0, typename N1>
Tensor remainder_like(BinaryMathOp op, const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  check_integer_divisor(b, dtype);
  Tensor out = math_kernel(op, a, b, dtype);
  if (b->is_wrapped_number()) {
    if (auto node = make_node<N0>({&a})) set_history(out, node);
  } else if (a->is_wrapped_number()) {
    // A number divided by a tensor has no derivative formula in PyTorch.
    if (auto node = make_node<NotImplementedBackward>({&b})) {
      node->op = op == BinaryMathOp::Remainder ? "remainder" : "fmod";
      set_history(out, node);
    }
  } else if (auto node = make_node<N1>({&a, &b})) {
    if (node->needs_input_grad(1)) save_operands(*node, a, b);
    set_history(out, node);
  }
  return out;
}

template <typename N0, typename N1>
Tensor& remainder_like_(BinaryMathOp op, Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  check_inplace_write(self, {&other}, dtype);
  check_integer_divisor(other, dtype);
  Tensor result = math_kernel(op, self, other, dtype);
  if (other->is_wrapped_number()) return finish_inplace(self, result, make_node<N0>({&self}));
  auto node = make_node<N1>({&self, &other});
  if (node && node->needs_input_grad(1)) save_operands(*node, clone(self), other);
  return finish_inplace(self, result, node);
}

}  // namespace

Tensor remainder(const Tensor& a, const Tensor& b) {
  return remainder_like<RemainderBackward0, RemainderBackward1>(BinaryMathOp::Remainder, a, b);
}
Tensor& remainder_(Tensor& self, const Tensor& other) {
  return remainder_like_<RemainderBackward0, RemainderBackward1>(BinaryMathOp::Remainder, self, other);
}
Tensor fmod(const Tensor& a, const Tensor& b) {
  return remainder_like<FmodBackward0, FmodBackward1>(BinaryMathOp::Fmod, a, b);
}
Tensor& fmod_(Tensor& self, const Tensor& other) {
  return remainder_like_<FmodBackward0, FmodBackward1>(BinaryMathOp::Fmod, self, other);
}

// ---- atan2, maximum/minimum, fmax/fmin, hypot, xlogy --------------------------------------

namespace {

// An op of two tensors whose formula reads both operands.
template <typename N>
Tensor two_operand_op(BinaryMathOp op, const Tensor& a, const Tensor& b, ScalarType dtype) {
  Tensor out = math_kernel(op, a, b, dtype);
  if (auto node = make_node<N>({&a, &b})) {
    save_operands(*node, a, b);
    set_history(out, node);
  }
  return out;
}

template <typename N>
Tensor& two_operand_op_(BinaryMathOp op, Tensor& self, const Tensor& other, ScalarType dtype) {
  auto node = begin_inplace<N>(self, {&other}, {&self, &other}, dtype);
  if (node) save_operands(*node, clone(self), other);
  return finish_inplace(self, math_kernel(op, self, other, dtype), node);
}

template <typename N>
Tensor max_min(BinaryOp op, const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), dtype, {&a, &b}, dtype);
  kernels::binary(op, out, cast_data(a, dtype), cast_data(b, dtype));
  if (auto node = make_node<N>({&a, &b})) {
    save_operands(*node, a, b);
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor atan2(const Tensor& a, const Tensor& b) {
  return two_operand_op<Atan2Backward0>(BinaryMathOp::Atan2, a, b, float_result_type(a, b));
}
Tensor& atan2_(Tensor& self, const Tensor& other) {
  return two_operand_op_<Atan2Backward0>(BinaryMathOp::Atan2, self, other, float_result_type(self, other));
}
Tensor maximum(const Tensor& a, const Tensor& b) { return max_min<MaximumBackward0>(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min<MinimumBackward0>(BinaryOp::Minimum, a, b); }
Tensor fmax(const Tensor& a, const Tensor& b) {
  return two_operand_op<FmaxBackward0>(BinaryMathOp::Fmax, a, b, result_type(a, b));
}
Tensor fmin(const Tensor& a, const Tensor& b) {
  return two_operand_op<FminBackward0>(BinaryMathOp::Fmin, a, b, result_type(a, b));
}

Tensor hypot(const Tensor& a, const Tensor& b) {
  Tensor out = math_kernel(BinaryMathOp::Hypot, a, b, result_type(a, b));
  if (auto node = make_node<HypotBackward0>({&a, &b})) {
    save_operands(*node, a, b);
    set_history(out, node);
    node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

Tensor& hypot_(Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  auto node = begin_inplace<HypotBackward0>(self, {&other}, {&self, &other}, dtype);
  if (node) save_operands(*node, clone(self), other);
  finish_inplace(self, math_kernel(BinaryMathOp::Hypot, self, other, dtype), node);
  if (node) node->save(kResult, self, /*is_output=*/true);
  return self;
}

Tensor xlogy(const Tensor& a, const Tensor& b) {
  Tensor out = math_kernel(BinaryMathOp::Xlogy, a, b, float_result_type(a, b));
  std::shared_ptr<FormulaNode> node;
  if (a->is_wrapped_number()) node = make_node<XlogyBackward1>({&b});
  else if (b->is_wrapped_number()) node = make_node<XlogyBackward2>({&a});
  else node = make_node<XlogyBackward0>({&a, &b});
  if (node) {
    save_operands(*node, a, b);
    set_history(out, node);
  }
  return out;
}

Tensor& xlogy_(Tensor& self, const Tensor& other) {
  ScalarType dtype = float_result_type(self, other);
  check_inplace_write(self, {&other}, dtype);
  Tensor result = math_kernel(BinaryMathOp::Xlogy, self, other, dtype);
  std::shared_ptr<FormulaNode> node;
  if (other->is_wrapped_number()) node = make_node<XlogyBackward2>({&self});
  else node = make_node<XlogyBackward0>({&self, &other});
  if (node) save_operands(*node, clone(self), other);
  return finish_inplace(self, result, node);
}

Tensor& pow_(Tensor& self, const Tensor& exponent) {
  check_inplace_write(self, {&exponent}, self.dtype());
  Tensor result;
  {
    AutoGradMode no_grad(false);
    result = pow(self, exponent);
  }
  BIBUN_CHECK(can_cast(result.dtype(), self.dtype()), "result type ", c_type_name(result.dtype()),
              " can't be cast to the desired output type ", c_type_name(self.dtype()));
  if (exponent->is_wrapped_number()) {
    auto node = make_node<PowBackward0>({&self});
    if (node) {
      node->exponent = is_floating(exponent.dtype()) ? Scalar(exponent.data<double>()[0])
                       : exponent.dtype() == ScalarType::Bool ? Scalar(exponent.data<bool>()[0])
                                                               : Scalar(exponent.data<int64_t>()[0]);
      node->save(kSelf, clone(self));
    }
    return finish_inplace(self, result, node);
  }
  auto node = make_node<PowBackward1>({&self, &exponent});
  if (node) save_operands(*node, clone(self), exponent);
  finish_inplace(self, result, node);
  if (node && node->needs_input_grad(1)) node->save(kResult, self, /*is_output=*/true);
  return self;
}

// ---- lerp, addcmul, addcdiv ----------------------------------------------------------------

namespace {

void check_lerp_dtypes(const Tensor& self, const Tensor& end, const Tensor* weight) {
  BIBUN_CHECK(self.dtype() == end.dtype(), "expected dtype ", meta_name(self.dtype()), " for `end` but got dtype ",
              meta_name(end.dtype()));
  if (weight && weight->dim() > 0)
    BIBUN_CHECK(self.dtype() == weight->dtype(), "expected dtype ", meta_name(self.dtype()),
                " for `weight` but got dtype ", meta_name(weight->dtype()));
}

Tensor lerp_kernel(const Tensor& self, const Tensor& end, const Tensor* weight, Scalar w) {
  DimVector shape = kernels::broadcast_shapes(self.sizes(), end.sizes());
  if (weight) shape = kernels::broadcast_shapes(shape, weight->sizes());
  Tensor out = empty_elementwise(shape, self.dtype(), {&self, &end, weight ? weight : &end});
  if (weight) kernels::lerp(out, self, end, cast_data(*weight, self.dtype()));
  else kernels::lerp(out, self, end, w);
  return out;
}

}  // namespace

Tensor lerp(const Tensor& self, const Tensor& end, Scalar weight) {
  check_lerp_dtypes(self, end, nullptr);
  Tensor out = lerp_kernel(self, end, nullptr, weight);
  if (auto node = make_node<LerpBackward0>({&self, &end})) {
    node->weight = weight;
    set_history(out, node);
  }
  return out;
}

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  check_lerp_dtypes(self, end, &weight);
  Tensor out = lerp_kernel(self, end, &weight, Scalar());
  if (auto node = make_node<LerpBackward1>({&self, &end, &weight})) {
    if (node->needs_input_grad(2)) save_operands(*node, self, end);
    node->save(kExtra, weight);
    set_history(out, node);
  }
  return out;
}

Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight) {
  check_lerp_dtypes(self, end, nullptr);
  auto node = begin_inplace<LerpBackward0>(self, {&end}, {&self, &end}, self.dtype());
  if (node) node->weight = weight;
  return finish_inplace(self, lerp_kernel(self, end, nullptr, weight), node);
}

Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  check_lerp_dtypes(self, end, &weight);
  auto node = begin_inplace<LerpBackward1>(self, {&end, &weight}, {&self, &end, &weight}, self.dtype());
  if (node) {
    if (node->needs_input_grad(2)) save_operands(*node, clone(self), end);
    node->save(kExtra, weight);
  }
  return finish_inplace(self, lerp_kernel(self, end, &weight, Scalar()), node);
}

namespace {

// The result dtype of self with tensor1 and tensor2 (PyTorch's promotion over three operands).
ScalarType addc_result_type(const Tensor& self, const Tensor& t1, const Tensor& t2) {
  ScalarType pair = result_type(t1, t2);
  // A stand-in for the pair at the higher of their promotion tiers.
  Tensor probe = t1.dim() > 0 || t2.dim() > 0 ? empty({0}, pair) : empty({}, pair);
  if (t1->is_wrapped_number() && t2->is_wrapped_number()) probe->set_wrapped_number(true);
  return result_type(self, probe);
}

Tensor addc_kernel(bool divide, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value,
                   ScalarType dtype) {
  DimVector shape = kernels::broadcast_shapes(self.sizes(), kernels::broadcast_shapes(t1.sizes(), t2.sizes()));
  Tensor out = empty_elementwise(shape, dtype, {&self, &t1, &t2}, dtype);
  Tensor s = cast_data(self, dtype), a = cast_data(t1, dtype), b = cast_data(t2, dtype);
  if (divide) kernels::addcdiv(out, s, a, b, value);
  else kernels::addcmul(out, s, a, b, value);
  return out;
}

void check_addcdiv(const Tensor& t1, const Tensor& t2) {
  BIBUN_CHECK(!(is_integral(t1.dtype(), true) && is_integral(t2.dtype(), true)),
              "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
              "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
              "value * bibun.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
              "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
              "(input + value * tensor1 / tensor2), for all dtypes.");
}

template <typename N>
Tensor addc(bool divide, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  if (divide) check_addcdiv(t1, t2);
  Tensor out = addc_kernel(divide, self, t1, t2, value, addc_result_type(self, t1, t2));
  if (auto node = make_node<N>({&self, &t1, &t2})) {
    node->value = value;
    if (node->needs_input_grad(2) || divide) node->save(kSelf, t1);
    if (node->needs_input_grad(1) || divide) node->save(kOther, t2);
    set_history(out, node);
  }
  return out;
}

template <typename N>
Tensor& addc_(bool divide, Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  if (divide) check_addcdiv(t1, t2);
  ScalarType dtype = addc_result_type(self, t1, t2);
  auto node = begin_inplace<N>(self, {&t1, &t2}, {&self, &t1, &t2}, dtype);
  if (node) {
    node->value = value;
    node->save(kSelf, t1);
    node->save(kOther, t2);
  }
  return finish_inplace(self, addc_kernel(divide, self, t1, t2, value, dtype), node);
}

}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  return addc<AddcmulBackward0>(false, self, t1, t2, value);
}
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  return addc_<AddcmulBackward0>(false, self, t1, t2, value);
}
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  return addc<AddcdivBackward0>(true, self, t1, t2, value);
}
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  return addc_<AddcdivBackward0>(true, self, t1, t2, value);
}

// ---- comparisons, isclose, logical and bitwise ops, predicates -----------------------------

Tensor& compare_(int op, Tensor& self, const Tensor& other) {
  static const char* const kNames[] = {"Eq", "Ne", "Lt", "Le", "Gt", "Ge"};
  check_inplace_write(self, {&other}, ScalarType::Bool);
  auto node = make_node<ZeroGradBackward>({&self, &other});
  if (node) {
    const char* base = kNames[op - static_cast<int>(BinaryOp::Eq)];
    node->node_name = detail::str_cat(base, "Backward", other->is_wrapped_number() ? "0" : "1");
  }
  return finish_inplace(self, compare(op, self, other), node);
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  BIBUN_CHECK(a.dtype() == b.dtype(), c_type_name(a.dtype()), " did not match ", c_type_name(b.dtype()));
  BIBUN_CHECK(rtol >= 0, "rtol must be greater than or equal to zero, but got ", rtol);
  BIBUN_CHECK(atol >= 0, "atol must be greater than or equal to zero, but got ", atol);
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), ScalarType::Bool, {&a, &b});
  kernels::isclose(out, a, b, rtol, atol, equal_nan);
  return out;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all(isclose(a, b, rtol, atol, equal_nan), {}, false).data<bool>()[0];
}

Tensor logical(int op, const Tensor& a, const Tensor& b) {
  Tensor out = empty_elementwise(kernels::broadcast_shapes(a.sizes(), b.sizes()), ScalarType::Bool, {&a, &b},
                                 result_type(a, b));
  kernels::binary_math(static_cast<BinaryMathOp>(op), out, cast_data(a, ScalarType::Bool),
                       cast_data(b, ScalarType::Bool));
  return out;
}

Tensor& logical_(int op, Tensor& self, const Tensor& other) {
  check_inplace_write(self, {&other}, ScalarType::Bool);
  return finish_inplace(self, logical(op, self, other), std::shared_ptr<Node>());
}

Tensor logical_not(const Tensor& a) {
  Tensor out = empty_elementwise(a.sizes(), ScalarType::Bool, {&a});
  kernels::unary(kernels::UnaryOp::LogicalNot, out, a);
  return out;
}

Tensor& logical_not_(Tensor& self) {
  check_inplace_write(self, {}, ScalarType::Bool);
  return finish_inplace(self, logical_not(self), std::shared_ptr<Node>());
}

Tensor bitwise(int op, const Tensor& a, const Tensor& b) {
  return math_kernel(static_cast<BinaryMathOp>(op), a, b, result_type(a, b));
}

Tensor& bitwise_(int op, Tensor& self, const Tensor& other) {
  ScalarType dtype = result_type(self, other);
  check_inplace_write(self, {&other}, dtype);
  return finish_inplace(self, bitwise(op, self, other), std::shared_ptr<Node>());
}

Tensor bitwise_not(const Tensor& a) {
  Tensor out = empty_elementwise(a.sizes(), a.dtype(), {&a});
  kernels::bitwise_not(out, a);
  return out;
}

Tensor& bitwise_not_(Tensor& self) {
  check_inplace_write(self, {}, self.dtype());
  return finish_inplace(self, bitwise_not(self), std::shared_ptr<Node>());
}

Tensor predicate(int op, const Tensor& a) {
  Tensor out = empty_elementwise(a.sizes(), ScalarType::Bool, {&a});
  kernels::predicate(static_cast<kernels::PredicateOp>(op), out, a);
  return out;
}

}  // namespace bibun::ops
