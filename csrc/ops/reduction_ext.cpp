// Reductions and scans with dim (reduction_ext.h): check the arguments as PyTorch does, run a row
// kernel (kernels/reduce_ext.h) over the input with its reduced dims moved last, record the node.
#include "ops/reduction_ext.h"

#include <cmath>

#include "autograd/formulas/reduction_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/reduce_ext.h"
#include "ops/common.h"

namespace bibun::ops {

using kernels::RowReduce;
using kernels::RowScan;

namespace {

// `op` over `shape.dims` of `a` into a new tensor of the result shape (and its int64 positions).
Tensor row_reduce(RowReduce op, const Tensor& a, const ReducedShape& shape, ScalarType out_dtype,
                  Tensor* index = nullptr, double arg = 0.0) {
  Tensor out = empty(shape.result, out_dtype);
  if (index) *index = empty(shape.result, ScalarType::Int64);
  kernels::reduce_rows(op, kernels::to_rows(a, shape.dims), out, index ? *index : Tensor(), arg);
  return out;
}

// PyTorch's errors for reductions without an identity (max, argmax, median, ...) on empty input.
void check_nonempty(const char* name, const Tensor& a, const std::vector<int64_t>& dims, bool all_dims,
                    bool index_error_for_all = false) {
  if (all_dims) {
    if (a.numel() != 0) return;
    if (index_error_for_all)
      BIBUN_CHECK_T(IndexError, false, name, "(): Expected reduction dim to be specified for input.numel() == 0.");
    BIBUN_CHECK(false, name,
                "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
                "the 'dim' argument.");
  }
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a.dim());
    BIBUN_CHECK_T(IndexError, a.dim() == 0 || a.sizes()[w] != 0, name, "(): Expected reduction dim ", w,
                  " to have non-zero size.");
  }
}

void check_floating(const Tensor& a, const char* what) {
  BIBUN_CHECK(is_floating(a.dtype()), what);
}

ReducedDims reduced_dims(const ReducedShape& s, bool keepdim) { return ReducedDims{s.dims, keepdim}; }

Tensor amax_amin(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, bool is_max) {
  const char* name = is_max ? "amax" : "amin";
  check_nonempty(name, a, dims, dims.empty());
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = row_reduce(is_max ? RowReduce::Amax : RowReduce::Amin, a, shape, a.dtype());
  auto record = [&](auto node) {
    node->r = reduced_dims(shape, keepdim);
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  };
  if (is_max) {
    if (auto node = make_node<AmaxBackward0>({&a})) record(node);
  } else if (auto node = make_node<AminBackward0>({&a})) {
    record(node);
  }
  return out;
}

// Whole-tensor max/min/median: one value, gradient shared by the ties.
template <typename Node>
Tensor select_all(RowReduce op, const char* name, const Tensor& a, bool allow_empty) {
  if (!allow_empty) check_nonempty(name, a, {}, true);
  ReducedShape shape = reduced_shape(a, {}, false);
  Tensor out = row_reduce(op, a, shape, a.dtype());
  if (auto node = make_node<Node>({&a})) {
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

// max/min/median with dim: (values, indices), the gradient routed to the index.
template <typename Node>
TensorPair select_dim(RowReduce op, const char* name, const Tensor& a, int64_t dim, bool keepdim) {
  check_nonempty(name, a, {dim}, false);
  ReducedShape shape = reduced_shape(a, {dim}, keepdim);
  Tensor index;
  Tensor out = row_reduce(op, a, shape, a.dtype(), &index);
  if (auto node = make_node<Node>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = shape.dims[0];
    node->keepdim = keepdim;
    node->save(kExtra, index);
    set_history(out, node);
  }
  return {out, index};
}

Tensor arg_extreme(const Tensor& a, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "argmax" : "argmin";
  BIBUN_CHECK(a.dtype() != ScalarType::Bool, name, "(): does not support bool input");
  std::vector<int64_t> dims = dim ? std::vector<int64_t>{*dim} : std::vector<int64_t>{};
  check_nonempty(name, a, dims, !dim, true);
  ReducedShape shape = reduced_shape(a, dims, keepdim && dim);
  if (!dim && keepdim) shape.result = DimVector(a.dim(), 1);  // argmax(keepdim=True) keeps every dim as 1
  Tensor index;
  row_reduce(is_max ? RowReduce::Max : RowReduce::Min, a, shape, a.dtype(), &index);
  return index;
}

const char* kVarDtypeError = "std and var only support floating point and complex dtypes";

template <typename Node>
Tensor var_std(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim, bool take_sqrt) {
  check_floating(a, kVarDtypeError);
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = row_reduce(RowReduce::Var, a, shape, a.dtype(), nullptr, correction);
  if (take_sqrt) kernels::unary(kernels::UnaryOp::Sqrt, out, out);
  if (auto node = make_node<Node>({&a})) {
    node->r = reduced_dims(shape, keepdim);
    node->correction = correction;
    node->save(kSelf, a);
    set_history(out, node);
    if (take_sqrt) node->save(kResult, out, true);
  }
  return out;
}

template <typename Node>
TensorPair var_std_mean(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim,
                        bool take_sqrt) {
  check_floating(a, kVarDtypeError);
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = empty(shape.result, a.dtype()), m = empty(shape.result, a.dtype());
  kernels::reduce_rows(RowReduce::Var, kernels::to_rows(a, shape.dims), out, m, correction);
  if (take_sqrt) kernels::unary(kernels::UnaryOp::Sqrt, out, out);
  if (auto node = make_node<Node>({&a})) {
    node->r = reduced_dims(shape, keepdim);
    node->correction = correction;
    node->save(kSelf, a);
    set_history(out, node);
    set_history(m, node);
    if (take_sqrt) node->save(kResult, out, true);
  }
  return {out, m};
}

Tensor scan(RowScan op, const Tensor& a, int64_t dim, ScalarType dtype, Tensor* index = nullptr) {
  int64_t d = wrap_dim(dim, a.dim());
  // PyTorch's cumsum/cumprod kernels have no bool form; a 0-d or empty input never reaches them.
  if (dtype == ScalarType::Bool && a.dim() > 0 && a.numel() > 0 && (op == RowScan::Cumsum || op == RowScan::Cumprod))
    throw NotImplementedError(op == RowScan::Cumsum ? "\"cumsum_out_cpu\" not implemented for 'Bool'"
                                                    : "\"cumprod_out_cpu\" not implemented for 'Bool'");
  std::vector<int64_t> dims = a.dim() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
  kernels::Rows rows = kernels::to_rows(cast_data(a, dtype), dims);
  // The scan runs on the reduced dim moved last; the result is permuted back.
  DimVector moved;
  std::vector<int64_t> order;
  for (int64_t k = 0; k < a.dim(); ++k)
    if (k != d) moved.push_back(a.sizes()[k]), order.push_back(k);
  if (a.dim() > 0) moved.push_back(a.sizes()[d]), order.push_back(d);
  Tensor out = empty(moved, dtype);
  Tensor idx = index ? empty(moved, ScalarType::Int64) : Tensor();
  kernels::scan_rows(op, rows, out, idx);
  std::vector<int64_t> back(order.size());
  for (size_t k = 0; k < order.size(); ++k) back[order[k]] = static_cast<int64_t>(k);
  auto permuted = [&](const Tensor& t) {
    DimVector sizes, strides;
    for (int64_t k : back) sizes.push_back(t.sizes()[k]), strides.push_back(t.strides()[k]);
    Tensor v(make_intrusive<TensorImpl>(t->storage(), t->offset(), sizes, strides, t.dtype()));
    Tensor c = empty(sizes, t.dtype());
    kernels::copy(c, v);
    return c;
  };
  if (index) *index = permuted(idx);
  return a.dim() <= 1 || d == a.dim() - 1 ? out : permuted(out);
}

ScalarType integral_to_long(const Tensor& a, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_integral(a.dtype(), true) ? ScalarType::Int64 : a.dtype();
}

template <typename Node>
TensorPair cum_extreme(const Tensor& a, int64_t dim, bool is_max) {
  Tensor index;
  Tensor out = scan(is_max ? RowScan::Cummax : RowScan::Cummin, a, dim, a.dtype(), &index);
  if (auto node = make_node<Node>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = wrap_dim(dim, a.dim());
    node->keepdim = true;
    node->save(kExtra, index);
    set_history(out, node);
  }
  return {out, index};
}

}  // namespace

void check_differentiable_dtype(const Tensor& a, ScalarType out_dtype) {
  BIBUN_CHECK(is_floating(out_dtype) || !GradMode::is_enabled() || !a.requires_grad(),
              "Autograd not support dtype: ", c_type_name(out_dtype));
}

Tensor prod(const Tensor& a, std::optional<int64_t> dim, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType dt = integral_to_long(a, dtype);
  ReducedShape shape = reduced_shape(a, dim ? std::vector<int64_t>{*dim} : std::vector<int64_t>{}, keepdim && dim);
  Tensor out = row_reduce(RowReduce::Prod, cast_data(a, dt), shape, dt);
  check_differentiable_dtype(a, dt);
  if (!dim) {
    if (auto node = make_node<ProdBackward0>({&a})) {
      node->save(kSelf, a);
      set_history(out, node);
      node->save(kResult, out, true);
    }
  } else if (auto node = make_node<ProdBackward1>({&a})) {
    node->dim = shape.dims[0];
    node->keepdim = keepdim;
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor amax(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) { return amax_amin(a, dims, keepdim, true); }
Tensor amin(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) { return amax_amin(a, dims, keepdim, false); }

TensorPair aminmax(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  BIBUN_CHECK(!dims.empty() || a.numel() != 0,
              "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  check_nonempty("aminmax", a, dims, dims.empty());
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor lo = row_reduce(RowReduce::Amin, a, shape, a.dtype());
  Tensor hi = row_reduce(RowReduce::Amax, a, shape, a.dtype());
  if (auto node = make_node<AminmaxBackward0>({&a})) {
    node->r = reduced_dims(shape, keepdim);
    node->save(kSelf, a);
    set_history(lo, node);
    set_history(hi, node);
    node->save(kOther, hi, true);
    node->save(kResult, lo, true);
  }
  return {lo, hi};
}

Tensor max_all(const Tensor& a) { return select_all<MaxBackward1>(RowReduce::Max, "max", a, false); }
Tensor min_all(const Tensor& a) { return select_all<MinBackward1>(RowReduce::Min, "min", a, false); }

TensorPair max_dim(const Tensor& a, int64_t dim, bool keepdim) {
  return select_dim<MaxBackward0>(RowReduce::Max, "max", a, dim, keepdim);
}
TensorPair min_dim(const Tensor& a, int64_t dim, bool keepdim) {
  return select_dim<MinBackward0>(RowReduce::Min, "min", a, dim, keepdim);
}

Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(a, dim, keepdim, true); }
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(a, dim, keepdim, false); }

Tensor var(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std<VarBackward0>(a, dims, correction, keepdim, false);
}
Tensor std(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std<StdBackward0>(a, dims, correction, keepdim, true);
}
TensorPair var_mean(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std_mean<VarMeanBackward0>(a, dims, correction, keepdim, false);
}
TensorPair std_mean(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_std_mean<StdMeanBackward0>(a, dims, correction, keepdim, true);
}

Tensor logsumexp(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  ScalarType dt = float_type_for(a);
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = row_reduce(RowReduce::Logsumexp, cast_data(a, dt), shape, dt);
  if (auto node = make_node<LogsumexpBackward0>({&a})) {
    node->r = reduced_dims(shape, keepdim);
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor cumsum(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) {
  Tensor out = scan(RowScan::Cumsum, a, dim, integral_to_long(a, dtype));
  check_differentiable_dtype(a, out.dtype());
  if (auto node = make_node<CumsumBackward0>({&a})) {
    node->dim = wrap_dim(dim, a.dim());
    node->self_dtype = a.dtype();
    set_history(out, node);
  }
  return out;
}

Tensor cumprod(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype) {
  Tensor out = scan(RowScan::Cumprod, a, dim, integral_to_long(a, dtype));
  check_differentiable_dtype(a, out.dtype());
  if (auto node = make_node<CumprodBackward0>({&a})) {
    node->dim = wrap_dim(dim, a.dim());
    node->self_dtype = a.dtype();
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

namespace {

// PyTorch's C++ type names in its dtype-mismatch messages.
const char* cpp_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double"};
  return names[static_cast<int>(t)];
}

// cumsum_/cumprod_: the scan computed unrecorded in self's dtype, written back, history rebased.
template <typename Node>
Tensor& cum_inplace(Tensor& self, int64_t dim, std::optional<ScalarType> dtype, bool is_sum) {
  const int64_t d = wrap_dim(dim, self.dim());
  BIBUN_CHECK(!dtype || *dtype == self.dtype(), "Bad in-place call: input tensor dtype ", cpp_type_name(self.dtype()),
              " and output tensor dtype ", cpp_type_name(*dtype), " should match");
  check_inplace_write(self, {}, self.dtype());
  Tensor result = scan(is_sum ? RowScan::Cumsum : RowScan::Cumprod, self, d, self.dtype());
  auto node = make_node<Node>({&self});
  if (node) {
    node->dim = d;
    node->self_dtype = self.dtype();
    if (!is_sum) node->save(kSelf, clone(self));  // the old value, with its history
  }
  kernels::copy(self, result);
  rebase_history(self, node);
  if (node && !is_sum) node->save(kResult, self, /*is_output=*/true);
  return self;
}

}  // namespace

Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return cum_inplace<CumsumBackward0>(self, dim, dtype, true);
}

Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return cum_inplace<CumprodBackward0>(self, dim, dtype, false);
}

TensorPair cummax(const Tensor& a, int64_t dim) { return cum_extreme<CummaxBackward0>(a, dim, true); }
TensorPair cummin(const Tensor& a, int64_t dim) { return cum_extreme<CumminBackward0>(a, dim, false); }

Tensor median_all(const Tensor& a) {
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool || a.numel() == 0,
                "\"median_cpu\" not implemented for 'Bool'");
  return select_all<MedianBackward0>(RowReduce::Median, "median", a, true);
}

TensorPair median_dim(const Tensor& a, int64_t dim, bool keepdim) {
  check_nonempty("median", a, {dim}, false);
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool, "\"median_out\" not implemented for 'Bool'");
  return select_dim<MedianBackward1>(RowReduce::Median, "median", a, dim, keepdim);
}

TensorPair mode(const Tensor& a, int64_t dim, bool keepdim) {
  check_nonempty("mode", a, {dim}, false);
  return select_dim<ModeBackward0>(RowReduce::Mode, "mode", a, dim, keepdim);
}

Tensor count_nonzero(const Tensor& a, const std::vector<int64_t>& dims) {
  ReducedShape shape = reduced_shape(a, dims, false);
  return row_reduce(RowReduce::CountNonzero, a, shape, ScalarType::Int64);
}

Tensor nansum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType dt = integral_to_long(a, dtype);
  ReducedShape shape = reduced_shape(a, dims, keepdim);
  Tensor out = row_reduce(RowReduce::NanSum, cast_data(a, dt), shape, dt);
  check_differentiable_dtype(a, dt);
  if (auto node = make_node<NansumBackward0>({&a})) {
    node->r = reduced_dims(shape, keepdim);
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor nanmean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype) {
  BIBUN_CHECK(is_floating(a.dtype()), "nanmean(): expected input to have floating point or complex dtype but got ",
              c_type_name(a.dtype()));
  Tensor not_nan = compare(static_cast<int>(kernels::BinaryOp::Eq), a, a);
  Tensor count = sum(not_nan, dims, keepdim, std::nullopt);
  return div(nansum(a, dims, keepdim, dtype), count);
}

Tensor norm_backward1(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out;
  {
    AutoGradMode no_grad(false);
    out = norm(a, p, dims, keepdim);
  }
  if (auto node = make_node<NormBackward1>({&a})) {
    node->p = p;
    node->dims = reduced_shape(a, dims, keepdim).dims;
    node->keepdim = keepdim;
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

}  // namespace bibun::ops
