// The ops of bibun.nn.functional that need their own kernel or node: softmax/log_softmax,
// nll_loss, mse_loss, binary_cross_entropy, addmm and linear, layer_norm, embedding, padding;
// uniform_/normal_ fills.
#include "ops/nn_ops.h"

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "kernels/nn_kernels.h"
#include "ops/common.h"
#include "ops/shape.h"
#include "ops/unary_math.h"

namespace bibun::ops {

namespace {

// `t` as a contiguous tensor of `dtype`, copied by a kernel (not recorded) when needed.
Tensor dense(const Tensor& t, ScalarType dtype) {
  if (t.dtype() == dtype && t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), dtype);
  kernels::copy(out, t);
  return out;
}

Tensor reduce(const Tensor& loss, Reduction reduction) {
  if (reduction == Reduction::None) return loss;
  AutoGradMode no_grad(false);
  return reduction == Reduction::Mean ? mean(loss, {}, false, std::nullopt) : sum(loss, {}, false, std::nullopt);
}

Tensor softmax_impl(const Tensor& a, int64_t dim_in, bool log) {
  const int64_t dim = wrap_dim(dim_in, std::max<int64_t>(a.dim(), 1));
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::softmax(out, dense(a, a.dtype()), a.dim() == 0 ? 0 : dim, log);
  return out;
}

// _unsafe_view: `a` (contiguous, owned by the caller's graph only) seen with `sizes`, not a view.
Tensor unsafe_view(const Tensor& a, const DimVector& sizes) {
  Tensor out(make_intrusive<TensorImpl>(a->storage(), a->offset(), sizes, contiguous_strides(sizes), a.dtype()));
  out->set_version_counter(a->version_counter());
  if (auto node = make_node<UnsafeViewBackward0>({&a})) {
    node->self_sizes = a.sizes();
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor softmax(const Tensor& a, int64_t dim) {
  Tensor out = softmax_impl(a, dim, false);
  if (auto node = make_node<SoftmaxBackward0>({&a})) {
    node->dim = a.dim() == 0 ? 0 : wrap_dim(dim, a.dim());
    set_history(out, node);
    node->save(kResult, out, true);  // after set_history: Note [Saved outputs do not own their node]
  }
  return out;
}

Tensor log_softmax(const Tensor& a, int64_t dim) {
  Tensor out = softmax_impl(a, dim, true);
  if (auto node = make_node<LogSoftmaxBackward0>({&a})) {
    node->dim = a.dim() == 0 ? 0 : wrap_dim(dim, a.dim());
    set_history(out, node);
    node->save(kResult, out, true);  // after set_history: Note [Saved outputs do not own their node]
  }
  return out;
}

kernels::NllShape nll_shape(const DimVector& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd == 1) return {1, sizes[0], 1};
  int64_t inner = 1;
  for (int64_t d = 2; d < nd; ++d) inner *= sizes[d];
  return {sizes[0], sizes[1], inner};
}

namespace {
template <typename N>
void record_nll(Tensor& out, const Tensor& input, const Tensor& t, const Tensor& w, Reduction reduction,
                int64_t ignore_index, double total_weight) {
  if (auto node = make_node<N>({&input})) {
    node->self_sizes = input.sizes();
    node->reduction = static_cast<int>(reduction);
    node->ignore_index = ignore_index;
    node->total_weight = total_weight;
    node->save(kOther, t);
    node->save(kExtra, w);
    set_history(out, node);
  }
}
}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  BIBUN_CHECK(target.dtype() == ScalarType::Int64, "expected target dtype to be Long or Byte, but got ",
              c_type_name(target.dtype()));
  BIBUN_CHECK_T(ValueError, input.dim() >= 1, "Expected 1 or more dimensions (got ", input.dim(), ")");
  BIBUN_CHECK_T(ValueError, input.dim() == 1 || target.dim() == 0 || input.sizes()[0] == target.sizes()[0],
                "Expected input batch_size (", input.sizes()[0], ") to match target batch_size (",
                target.dim() ? target.sizes()[0] : 1, ").");
  if (input.dim() <= 2) {
    BIBUN_CHECK(target.dim() <= 1, "0D or 1D target tensor expected, multi-target not supported");
    BIBUN_CHECK(input.dim() == 1 || target.dim() == 1, "1D target tensor expected, multi-target not supported");
    BIBUN_CHECK(input.dim() == 2 || target.dim() == 0,
                "1D target tensor expects 2D input tensors, but found inputs with sizes ", shape_str(input.sizes()),
                " and ", shape_str(target.sizes()), ".");
  } else {
    DimVector want;
    for (int64_t d = 0; d < input.dim(); ++d)
      if (d != 1) want.push_back(input.sizes()[d]);
    BIBUN_CHECK(target.sizes() == want, "Expected target size ", shape_str(want), ", got ", shape_str(target.sizes()));
  }
  kernels::NllShape shape = nll_shape(input.sizes());
  const int64_t classes = shape.classes;
  Tensor w;
  if (weight.defined()) {
    BIBUN_CHECK(weight.numel() == classes, "weight tensor should be defined either for all ", classes,
                " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
    BIBUN_CHECK(weight.dtype() == input.dtype(), "expected scalar type ", c_type_name(input.dtype()),
                " but found ", c_type_name(weight.dtype()));
    w = dense(weight, input.dtype());
  }
  Tensor t = dense(target, ScalarType::Int64);
  DimVector loss_sizes = input.dim() == 1 ? DimVector{} : DimVector(target.sizes());
  Tensor loss = empty(loss_sizes, input.dtype());
  const double total_weight = kernels::nll_loss(loss, dense(input, input.dtype()), t, w, shape, ignore_index);
  Tensor out = loss;
  if (reduction != Reduction::None) {
    out = reduce(loss, Reduction::Sum);
    if (reduction == Reduction::Mean) kernels::binary(kernels::BinaryOp::Div, out, out, scalar_tensor(Scalar(total_weight), out.dtype()));
  }
  if (input.dim() >= 3) {
    record_nll<NllLoss2DBackward0>(out, input, t, w, reduction, ignore_index, total_weight);
  } else {
    record_nll<NllLossBackward0>(out, input, t, w, reduction, ignore_index, total_weight);
  }
  return out;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  ScalarType dtype = result_type(input, target);
  BIBUN_CHECK_T(NotImplementedError, is_floating(dtype), "\"mse_cpu\" not implemented for '", c_type_name(dtype), "'");
  DimVector shape = kernels::broadcast_shapes(input.sizes(), target.sizes());
  Tensor diff = empty(shape, dtype);
  kernels::binary(kernels::BinaryOp::Sub, diff, cast_data(input, dtype), cast_data(target, dtype));
  kernels::binary(kernels::BinaryOp::Mul, diff, diff, diff);
  Tensor out = reduce(diff, reduction);
  if (auto node = make_node<MseLossBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->save(kSelf, input);
    node->save(kOther, target);
    set_history(out, node);
  }
  return out;
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  ScalarType dtype = input.dtype();
  BIBUN_CHECK(target.dtype() == dtype, "Found dtype ", c_type_name(target.dtype()), " but expected ", c_type_name(dtype));
  BIBUN_CHECK(input.sizes() == target.sizes(), "The size of target (", shape_str(target.sizes()),
              ") must match the size of input (", shape_str(input.sizes()), ")");
  Tensor loss = empty(input.sizes(), dtype);
  kernels::binary_cross_entropy(loss, dense(input, dtype), dense(target, dtype));
  if (weight.defined()) {
    BIBUN_CHECK(weight.sizes() == input.sizes(), "binary_cross_entropy: weight of shape ", shape_str(weight.sizes()),
                " does not match input of shape ", shape_str(input.sizes()));
    kernels::binary(kernels::BinaryOp::Mul, loss, loss, cast_data(weight, dtype));
  }
  Tensor out = reduce(loss, reduction);
  if (auto node = make_node<BinaryCrossEntropyBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->save(kSelf, input);
    node->save(kOther, target);
    node->save(kExtra, weight);
    set_history(out, node);
  }
  return out;
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2) {
  BIBUN_CHECK(mat1.dim() == 2, "mat1 must be a matrix, got ", mat1.dim(), "-D tensor");
  BIBUN_CHECK(mat2.dim() == 2, "mat2 must be a matrix, got ", mat2.dim(), "-D tensor");
  BIBUN_CHECK(mat1.sizes()[1] == mat2.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", mat1.sizes()[0], "x",
              mat1.sizes()[1], " and ", mat2.sizes()[0], "x", mat2.sizes()[1], ")");
  BIBUN_CHECK(mat1.dtype() == mat2.dtype() && self.dtype() == mat1.dtype(),
              "self and mat2 must have the same dtype, but got ", c_type_name(self.dtype()), " and ",
              c_type_name(mat2.dtype()));
  DimVector out_sizes{mat1.sizes()[0], mat2.sizes()[1]};
  BIBUN_CHECK(kernels::broadcast_shapes(self.sizes(), out_sizes) == out_sizes, "The expanded size of the tensor (",
              out_sizes[1], ") must match the existing size (", self.dim() ? self.sizes()[self.dim() - 1] : 1,
              ") at non-singleton dimension 1.  Target sizes: ", shape_str(out_sizes), ".  Tensor sizes: ",
              shape_str(self.sizes()));
  Tensor out;
  {
    AutoGradMode no_grad(false);
    out = mm(mat1, mat2);
  }
  kernels::binary(kernels::BinaryOp::Add, out, out, self);
  if (auto node = make_node<AddmmBackward0>({&self, &mat1, &mat2})) {
    node->self_sizes = self.sizes();
    node->mat1_col_major = formulas::column_major(mat1);
    node->mat2_col_major = formulas::column_major(mat2);
    if (node->needs_input_grad(1)) node->save(kOther, mat2);
    if (node->needs_input_grad(2)) node->save(kSelf, mat1);
    set_history(out, node);
  }
  return out;
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  BIBUN_CHECK(weight.dim() == 2, "bibun's linear expects a 2-D weight, got ", weight.dim(), "-D");
  BIBUN_CHECK(input.dim() >= 1, "both arguments to linear need to be at least 1D, but they are ", input.dim(),
              "D and 2D");
  Tensor wt = t(weight);
  const int64_t k = input.sizes()[input.dim() - 1];
  if (input.dim() == 2) return bias.defined() ? addmm(bias, input, wt) : mm(input, wt);
  if (input.dim() == 1 && !bias.defined()) return matmul(input, wt);
  DimVector out_sizes(input.sizes());
  out_sizes[input.dim() - 1] = weight.sizes()[0];
  if (bias.defined() && (input.dim() == 1 || input.is_contiguous())) {
    // PyTorch folds the leading dims into one view for addmm.
    Tensor folded = view(input, {input.numel() / std::max<int64_t>(k, 1), k});
    return view(addmm(bias, folded, wt), out_sizes);
  }
  // matmul's folding of a batched input against a matrix: reshape -> mm -> _unsafe_view.
  Tensor product = unsafe_view(mm(reshape(input, {-1, k}), wt), out_sizes);
  return bias.defined() ? add(product, bias, Scalar(int64_t{1})) : product;
}

namespace {
std::vector<int64_t> last_dims(int64_t ndim, int64_t k) {
  std::vector<int64_t> dims;
  for (int64_t d = ndim - k; d < ndim; ++d) dims.push_back(d);
  return dims;
}
}  // namespace

// Note: mean and rstd are not kept; NativeLayerNormBackward0 recomputes them from the input with
// recorded ops, so that create_graph differentiates through them.
Tensor layer_norm(const Tensor& input, int64_t k, const Tensor& weight, const Tensor& bias, double eps) {
  dispatch_floating(input.dtype(), "LayerNormKernelImpl", []<typename T>() {});
  BIBUN_CHECK(k >= 1 && k <= input.dim(), "layer_norm: normalized_shape has ", k, " dims but the input only ",
              input.dim());
  Tensor out;
  {
    AutoGradMode no_grad(false);
    std::vector<int64_t> dims = last_dims(input.dim(), k);
    Tensor xc = sub(input, mean(input, dims, true, std::nullopt), Scalar(int64_t{1}));
    Tensor var = mean(mul(xc, xc), dims, true, std::nullopt);
    out = mul(xc, rsqrt(add(var, wrapped_scalar(Scalar(eps)), Scalar(int64_t{1}))));
    if (weight.defined()) out = mul(out, weight);
    if (bias.defined()) out = add(out, bias, Scalar(int64_t{1}));
    out = cast_data(out, input.dtype());
  }
  if (auto node = make_node<NativeLayerNormBackward0>({&input, &weight, &bias})) {
    node->normalized_ndim = k;
    node->eps = eps;
    node->save(kSelf, input);
    node->save(kOther, weight);
    node->save(kExtra, bias);
    set_history(out, node);
  }
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  BIBUN_CHECK(indices.dtype() == ScalarType::Int64 || indices.dtype() == ScalarType::Int32,
              "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but "
              "got ", c_type_name(indices.dtype()), " instead (while checking arguments for embedding)");
  BIBUN_CHECK(weight.dim() == 2, "'weight' must be 2-D");
  Tensor idx = reshape(cast_data(indices, ScalarType::Int64), {indices.numel()});
  DimVector out_sizes(indices.sizes());
  out_sizes.push_back(weight.sizes()[1]);
  Tensor out;
  {
    AutoGradMode no_grad(false);
    out = contiguous(reshape(index_select_dim(weight, 0, idx), out_sizes));
  }
  if (auto node = make_node<EmbeddingBackward0>({&weight})) {
    node->num_weights = weight.sizes()[0];
    node->padding_idx = padding_idx;
    node->save(kOther, idx);
    set_history(out, node);
  }
  return out;
}

Tensor constant_pad_nd(const Tensor& a, const std::vector<int64_t>& pad, Scalar value) {
  const int64_t n = static_cast<int64_t>(pad.size());
  BIBUN_CHECK(n % 2 == 0, "Length of pad must be even but instead it equals ", n);
  BIBUN_CHECK(n / 2 <= a.dim(), "Length of pad should be no more than twice the number of dimensions of the input. "
              "Pad length is ", n, " while the input has ", a.dim(), " dimensions.");
  DimVector out_sizes(a.sizes());
  Tensor out;
  {
    AutoGradMode no_grad(false);
    Tensor src = a;  // the part of `a` that survives negative pads
    for (int64_t i = 0; i < n / 2; ++i) {
      const int64_t d = a.dim() - 1 - i, left = pad[2 * i], right = pad[2 * i + 1];
      const int64_t size = a.sizes()[d], new_size = size + left + right;
      BIBUN_CHECK(new_size >= 0, "The input size ", size, ", plus negative padding ", left, " and ", right,
                  " resulted in a negative output size, which is invalid. Check dimension ", d, " of your input.");
      out_sizes[d] = new_size;
      const int64_t start = std::max<int64_t>(-left, 0);
      src = slice(src, d, start, std::max(size - std::max<int64_t>(-right, 0), start), 1);
    }
    out = full(out_sizes, value, a.dtype());
    Tensor dst = out;
    for (int64_t i = 0; i < n / 2; ++i) {
      const int64_t d = a.dim() - 1 - i, left = std::max<int64_t>(pad[2 * i], 0);
      dst = slice(dst, d, left, left + src.sizes()[d], 1);
    }
    if (src.numel() > 0) kernels::copy(dst, src);
  }
  if (auto node = make_node<ConstantPadNdBackward0>({&a})) {
    node->pad = pad;
    set_history(out, node);
  }
  return out;
}

Tensor index_pad(const Tensor& a, const std::vector<int64_t>& pad, bool reflect) {
  const int64_t k = static_cast<int64_t>(pad.size()) / 2;
  auto node = make_node<PadIndexBackward>({&a});
  Tensor out = a;
  {
    AutoGradMode no_grad(false);
    for (int64_t i = 0; i < k; ++i) {
      const int64_t d = a.dim() - 1 - i, left = pad[2 * i], right = pad[2 * i + 1];
      const int64_t n = a.sizes()[d], m = n + left + right;
      if (reflect) {
        BIBUN_CHECK(left < n && right < n, "Argument #4: Padding size should be less than the corresponding input ",
                    "dimension, but got: padding (", left, ", ", right, ") at dimension ", d, " of input ",
                    shape_str(a.sizes()));
      }
      BIBUN_CHECK(m >= 1, "input (", shape_str(a.sizes()), ") is too small. Calculated output ",
                  shape_str(DimVector{m}), " is too small");
      Tensor idx = empty({m}, ScalarType::Int64);
      int64_t* p = idx.data<int64_t>();
      for (int64_t j = 0; j < m; ++j) {
        int64_t src = j - left;
        if (reflect) {
          if (src < 0) src = -src;
          if (src >= n) src = 2 * (n - 1) - src;
        } else {
          src = std::min(std::max<int64_t>(src, 0), n - 1);
        }
        p[j] = src;
      }
      if (node) {
        node->dims.push_back(d);
        node->in_sizes.push_back(out.sizes());
        node->indices.push_back(idx);
      }
      out = index_select_dim(out, d, idx);
    }
    out = contiguous(out);
  }
  if (node) {
    node->node_name = std::string(reflect ? "ReflectionPad" : "ReplicationPad") + std::to_string(k) + "DBackward0";
    node->pad = pad;
    node->reflect = reflect;
    set_history(out, node);
  }
  return out;
}

Tensor& uniform_(Tensor& self, double from, double to) {
  BIBUN_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  Tensor r = empty(self.sizes(), self.dtype());
  dispatch_floating(self.dtype(), "check_uniform_bounds", [] <typename T>() {});
  kernels::uniform(r, from, to);
  return copy_(self, r);
}

Tensor& normal_(Tensor& self, double mean, double std) {
  BIBUN_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  dispatch_floating(self.dtype(), "normal_kernel_cpu", [] <typename T>() {});
  Tensor r = empty(self.sizes(), self.dtype());
  kernels::normal(r, mean, std);
  return copy_(self, r);
}

}  // namespace bibun::ops
