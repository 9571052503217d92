// Reductions: sum, mean, all, any, norm, and sum_to (the reverse of broadcasting).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/common.h"
#include "ops/reduction_ext.h"

namespace bibun::ops {

using kernels::ReduceOp;

ReducedShape reduced_shape(const Tensor& a, const std::vector<int64_t>& dims_in, bool keepdim) {
  ReducedShape r;
  const int64_t nd = a.dim();
  if (dims_in.empty()) {
    for (int64_t d = 0; d < nd; ++d) r.dims.push_back(d);
  } else {
    r.dims = wrap_dims(dims_in, nd);
  }
  std::vector<bool> reduced(std::max<int64_t>(nd, 1), false);
  for (int64_t d : r.dims) reduced[d] = true;
  for (int64_t d = 0; d < nd; ++d) {
    if (reduced[d]) {
      r.count *= a.sizes()[d];
      r.keep.push_back(1);
      if (keepdim) r.result.push_back(1);
    } else {
      r.keep.push_back(a.sizes()[d]);
      r.result.push_back(a.sizes()[d]);
    }
  }
  return r;
}

namespace {

Tensor run_reduce(ReduceOp op, const Tensor& a, const ReducedShape& shape, ScalarType out_dtype, double p = 2.0) {
  Tensor out = empty(shape.keep, out_dtype);
  kernels::reduce(op, out, a, DimVector(shape.dims.begin(), shape.dims.end()), p);
  // Dropping reduced dims of a contiguous keepdim result is a pure reshape.
  out->set_sizes_and_strides(shape.result, contiguous_strides(shape.result), 0);
  return out;
}

ScalarType sum_dtype(const Tensor& a, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_integral(a.dtype(), true) ? ScalarType::Int64 : a.dtype();
}

}  // namespace

Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor src = dtype ? cast_data(a, *dtype) : a;
  Tensor out = run_reduce(ReduceOp::Sum, src, shape, sum_dtype(a, dtype));
  check_differentiable_dtype(a, out.dtype());
  if (dims.empty()) {
    if (auto node = make_node<SumBackward0>({&a})) {
      node->self_sizes = a.sizes();
      set_history(out, node);
    }
  } else if (auto node = make_node<SumBackward1>({&a})) {
    node->self_sizes = a.sizes();
    node->dims = shape.dims;
    node->keepdim = keepdim;
    set_history(out, node);
  }
  return out;
}

Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType dt = dtype ? *dtype : a.dtype();
  BIBUN_CHECK(is_floating(dt), "mean(): could not infer output dtype. ", dtype ? "Optional" : "Input",
              " dtype must be either a floating point or complex dtype. Got: ", c_type_name(dt));
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = run_reduce(ReduceOp::Sum, cast_data(a, dt), shape, dt);
  Tensor count = scalar_tensor(Scalar(static_cast<double>(shape.count)), dt);
  kernels::binary(kernels::BinaryOp::Div, out, out, count);
  if (dims.empty()) {
    if (auto node = make_node<MeanBackward0>({&a})) {
      node->self_sizes = a.sizes();
      node->count = shape.count;
      set_history(out, node);
    }
  } else if (auto node = make_node<MeanBackward1>({&a})) {
    node->self_sizes = a.sizes();
    node->dims = shape.dims;
    node->keepdim = keepdim;
    node->count = shape.count;
    set_history(out, node);
  }
  return out;
}

Tensor all(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  return run_reduce(ReduceOp::All, a, reduced_shape(a, dims, keepdim), ScalarType::Bool);
}

Tensor any(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  return run_reduce(ReduceOp::Any, a, reduced_shape(a, dims, keepdim), ScalarType::Bool);
}

Tensor norm(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim) {
  BIBUN_CHECK(is_floating(a.dtype()),
              "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ", c_type_name(a.dtype()));
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  ReduceOp op = std::isinf(p) ? (p > 0 ? ReduceOp::NormInf : ReduceOp::NormNegInf)
                : p == 0.0    ? ReduceOp::Norm0
                              : ReduceOp::NormP;
  if (op == ReduceOp::NormNegInf || op == ReduceOp::NormInf) {
    BIBUN_CHECK(a.numel() > 0 || shape.count > 0,
                "linalg.vector_norm cannot compute the ", p > 0 ? "inf" : "-inf",
                " norm on an empty tensor because the operation does not have an identity");
  }
  Tensor out = run_reduce(op, a, shape, a.dtype(), p);
  if (auto node = make_node<LinalgVectorNormBackward0>({&a})) {
    node->p = p;
    node->dims = shape.dims;
    node->keepdim = keepdim;
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor sum_to(const Tensor& grad, const DimVector& shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> lead_dims, ones;
  for (int64_t d = 0; d < lead; ++d) lead_dims.push_back(d);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1 && grad.sizes()[lead + i] != 1) ones.push_back(static_cast<int64_t>(i));
  Tensor r = lead_dims.empty() ? grad : sum(grad, lead_dims, false, std::nullopt);
  if (!ones.empty()) r = sum(r, ones, true, std::nullopt);
  return r;
}

}  // namespace bibun::ops
