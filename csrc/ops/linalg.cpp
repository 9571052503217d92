// The products (dot, mv, mm, bmm, their scaled-sum forms addmm/addmv/baddbmm/addbmm, vdot) and
// matmul, which dispatches over its operands' dims as PyTorch does (folding batches into mm where
// that needs no copy, else a broadcast bmm), plus cross and the LAPACK ops det/inv/solve/cholesky.
#include "ops/linalg.h"

#include <cmath>
#include <string_view>
#include <tuple>

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/linalg_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/lapack.h"
#include "ops/common.h"
#include "ops/shape.h"

namespace bibun::ops {

Tensor squeeze_for_matmul(const Tensor& a, int64_t dim);  // ops/view.cpp

namespace ln = linalg_nodes;

namespace {
const char* lower_c_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double"};
  return names[static_cast<int>(t)];
}

// Bool products raise as PyTorch's kernels do, which are skipped when there is nothing to sum.
void check_not_bool(const Tensor& a, const char* kernel, int64_t out_numel = 1, int64_t inner = 1) {
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool || out_numel == 0 || inner == 0, "\"", kernel,
                "\" not implemented for 'Bool'");
}

Tensor mT(const Tensor& a) { return transpose(a, -2, -1); }

// A raw (unrecorded) tensor over `a`'s memory with other sizes/strides.
Tensor raw_view(const Tensor& a, DimVector sizes, DimVector strides, int64_t offset) {
  return Tensor(make_intrusive<TensorImpl>(a->storage(), offset, std::move(sizes), std::move(strides), a.dtype()));
}

// `a`, expanded without recording (a broadcast source for a kernel), with expand's error text.
Tensor expand_unrecorded(const Tensor& a, const DimVector& sizes) {
  AutoGradMode no_grad(false);
  return expand(a, sizes);
}

Tensor as_batch3(const Tensor& m) {  // (r, c) -> (1, r, c)
  return raw_view(m, {1, m.sizes()[0], m.sizes()[1]}, {m.sizes()[0] * m.sizes()[1], m.strides()[0], m.strides()[1]},
                  m->offset());
}

int64_t prod(const DimVector& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

DimVector slice_sizes(const DimVector& s, size_t from, size_t to) {
  DimVector out;
  for (size_t i = from; i < to; ++i) out.push_back(s[i]);
  return out;
}

void check_same_dtype3(const Tensor& self, const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(self.dtype() == a.dtype() && a.dtype() == b.dtype(), "Input dtypes must be the same, got: input ",
              lower_c_name(self.dtype()), ", batch1: ", lower_c_name(a.dtype()), ", batch2: ",
              lower_c_name(b.dtype()));
}

void check_bmm_shapes(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  BIBUN_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  BIBUN_CHECK(b.sizes()[0] == a.sizes()[0] && b.sizes()[1] == a.sizes()[2],
              "Expected size for first two dimensions of batch2 tensor to be: [", a.sizes()[0], ", ", a.sizes()[2],
              "] but got: [", b.sizes()[0], ", ", b.sizes()[1], "].");
}

// out (contiguous, `sizes`) holding beta * self broadcast, ready for a gemm with beta.
Tensor prefilled(const Tensor& self, const DimVector& sizes, Scalar beta) {
  Tensor src = expand_unrecorded(self, sizes);
  Tensor out = empty(sizes, self.dtype());
  if (beta.to_double() != 0.0) kernels::copy(out, src);
  return out;
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() == 2, "self must be a matrix");
  BIBUN_CHECK(b.dim() == 2, "mat2 must be a matrix");
  BIBUN_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
              a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  BIBUN_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", lower_c_name(a.dtype()),
              " != ", lower_c_name(b.dtype()));
  check_not_bool(a, "addmm_impl_cpu_", a.sizes()[0] * b.sizes()[1], a.sizes()[1]);
  Tensor out = empty({a.sizes()[0], b.sizes()[1]}, a.dtype());
  kernels::mm(out, a, b);
  if (auto node = make_node<MmBackward0>({&a, &b})) {
    node->mat1_col_major = formulas::column_major(a);
    node->mat2_col_major = formulas::column_major(b);
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor mv(const Tensor& a, const Tensor& v) {
  BIBUN_CHECK(a.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got ", a.dim(), ", ", a.dim(), ", ",
              v.dim());
  BIBUN_CHECK(a.sizes()[1] == v.sizes()[0], "size mismatch, got input (", a.sizes()[0], "), mat (", a.sizes()[0], "x",
              a.sizes()[1], "), vec (", v.sizes()[0], ")");
  BIBUN_CHECK(a.dtype() == v.dtype(), "addmv input tensors must have the same dtype, but got ", c_type_name(v.dtype()),
              ", ", c_type_name(a.dtype()), ", and ", c_type_name(v.dtype()));
  check_not_bool(a, "addmv_impl_cpu", a.sizes()[0], a.sizes()[1]);
  Tensor out = empty({a.sizes()[0], 1}, a.dtype());
  DimVector col_sizes{v.sizes()[0], 1}, col_strides{v.strides()[0], 1};
  Tensor v_col(make_intrusive<TensorImpl>(v->storage(), v->offset(), col_sizes, col_strides, v.dtype()));
  kernels::mm(out, a, v_col);
  out->set_sizes_and_strides({a.sizes()[0]}, {1}, 0);
  if (auto node = make_node<MvBackward0>({&a, &v})) {
    if (node->needs_input_grad(0)) node->save(kOther, v);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

namespace {
void check_dot(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
              "D tensors");
  BIBUN_CHECK(a.numel() == b.numel(), "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
              b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
              " elements respectively");
  BIBUN_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
              c_type_name(a.dtype()), " and ", c_type_name(b.dtype()));
  check_not_bool(a, "dot");
}

Tensor dot_kernel(const Tensor& a, const Tensor& b) {
  Tensor out = empty({1, 1}, a.dtype());
  Tensor row = raw_view(a, {1, a.numel()}, {a.numel() * std::max<int64_t>(a.strides()[0], 1), a.strides()[0]},
                        a->offset());
  Tensor col = raw_view(b, {b.numel(), 1}, {b.strides()[0], 1}, b->offset());
  kernels::mm(out, row, col);
  out->set_sizes_and_strides({}, {}, 0);
  return out;
}
}  // namespace

Tensor dot(const Tensor& a, const Tensor& b) {
  check_dot(a, b);
  Tensor out = dot_kernel(a, b);
  if (auto node = make_node<DotBackward0>({&a, &b})) {
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor vdot(const Tensor& a, const Tensor& b) {
  check_dot(a, b);
  Tensor out = dot_kernel(a, b);
  if (auto node = make_node<ln::VdotBackward0>({&a, &b})) {
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_bmm_shapes(a, b);
  // PyTorch's bmm allocates its result with batch2's dtype and returns before its kernel (and so
  // before any dtype check) when there is nothing to sum: an empty result or an empty inner dim.
  const int64_t out_numel = a.sizes()[0] * a.sizes()[1] * b.sizes()[2];
  const bool nothing_to_sum = out_numel == 0 || a.sizes()[2] == 0;
  if (!nothing_to_sum) {
    check_not_bool(a, "bmm");
    BIBUN_CHECK(a.dtype() == b.dtype(), "expected scalar type ", c_type_name(a.dtype()), " but found ",
                c_type_name(b.dtype()));
  }
  Tensor out = nothing_to_sum ? zeros({a.sizes()[0], a.sizes()[1], b.sizes()[2]}, b.dtype())
                              : empty({a.sizes()[0], a.sizes()[1], b.sizes()[2]}, a.dtype());
  if (!nothing_to_sum) kernels::gemm_batched(out, a, b, Scalar(int64_t{1}), Scalar(int64_t{0}));
  if (auto node = make_node<ln::BmmBackward0>({&a, &b})) {
    BIBUN_CHECK(is_floating(out.dtype()), "Autograd not support dtype: ", c_type_name(out.dtype()));
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor baddbmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  check_bmm_shapes(a, b);
  check_same_dtype3(self, a, b);
  check_not_bool(a, "baddbmm");
  Tensor out = prefilled(self, {a.sizes()[0], a.sizes()[1], b.sizes()[2]}, beta);
  kernels::gemm_batched(out, a, b, alpha, beta);
  if (auto node = make_node<ln::BaddbmmBackward0>({&self, &a, &b})) {
    node->self_sizes = self.sizes();
    node->beta = beta;
    node->alpha = alpha;
    if (node->needs_input_grad(1)) node->save(kOther, b);
    if (node->needs_input_grad(2)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor addbmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  check_bmm_shapes(a, b);
  check_same_dtype3(self, a, b);
  // PyTorch sums an empty batch of bool products into beta * self, a number it cannot write back.
  BIBUN_CHECK(!(a.dtype() == ScalarType::Bool && a.sizes()[0] == 0 && beta.to_double() != 0.0), "result type ",
              beta.is_floating() ? "Float" : "Long", " can't be cast to the desired output type Bool");
  check_not_bool(a, "addbmm", a.sizes()[0], 1);
  const int64_t batches = a.sizes()[0], m = a.sizes()[1], n = b.sizes()[2];
  Tensor out = prefilled(self, {m, n}, beta);
  Tensor out3 = as_batch3(out);
  if (batches == 0) {
    kernels::gemm_batched(out3, raw_view(a, {1, m, 0}, {0, 1, 1}, a->offset()), raw_view(b, {1, 0, n}, {0, 1, 1},
                                                                                         b->offset()),
                          alpha, beta);
  }
  for (int64_t i = 0; i < batches; ++i) {
    Tensor ai = raw_view(a, {1, m, a.sizes()[2]}, a.strides(), a->offset() + i * a.strides()[0]);
    Tensor bi = raw_view(b, {1, b.sizes()[1], n}, b.strides(), b->offset() + i * b.strides()[0]);
    kernels::gemm_batched(out3, ai, bi, alpha, i == 0 ? beta : Scalar(int64_t{1}));
  }
  if (auto node = make_node<ln::AddbmmBackward0>({&self, &a, &b})) {
    node->self_sizes = self.sizes();
    node->batches = batches;
    node->beta = beta;
    node->alpha = alpha;
    if (node->needs_input_grad(1)) node->save(kOther, b);
    if (node->needs_input_grad(2)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  BIBUN_CHECK(a.dim() == 2, "mat1 must be a matrix, got ", a.dim(), "-D tensor");
  BIBUN_CHECK(b.dim() == 2, "mat2 must be a matrix, got ", b.dim(), "-D tensor");
  BIBUN_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
              a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  BIBUN_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", lower_c_name(a.dtype()),
              " != ", lower_c_name(b.dtype()));
  BIBUN_CHECK(self.dtype() == b.dtype(), "self and mat2 must have the same dtype, but got ", c_type_name(self.dtype()),
              " and ", c_type_name(b.dtype()));
  check_not_bool(a, "addmm_impl_cpu_");
  Tensor out = prefilled(self, {a.sizes()[0], b.sizes()[1]}, beta);
  kernels::gemm_batched(as_batch3(out), as_batch3(a), as_batch3(b), alpha, beta);
  if (auto node = make_node<ln::AddmmBackward0>({&self, &a, &b})) {
    node->self_sizes = self.sizes();
    node->beta = beta;
    node->alpha = alpha;
    node->mat1_col_major = formulas::column_major(a);
    node->mat2_col_major = formulas::column_major(b);
    if (node->needs_input_grad(1)) node->save(kOther, b);
    if (node->needs_input_grad(2)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta, Scalar alpha) {
  BIBUN_CHECK(mat.dim() == 2 && vec.dim() == 1 && self.dim() <= 1, "vector + matrix @ vector expected, got ",
              self.dim(), ", ", mat.dim(), ", ", vec.dim());
  BIBUN_CHECK(mat.sizes()[1] == vec.sizes()[0] && (self.dim() == 0 || self.sizes()[0] == 1 ||
                                                   self.sizes()[0] == mat.sizes()[0]),
              "size mismatch, got input (", self.dim() == 0 ? 1 : self.sizes()[0], "), mat (", mat.sizes()[0], "x",
              mat.sizes()[1], "), vec (", vec.sizes()[0], ")");
  BIBUN_CHECK(self.dtype() == mat.dtype() && mat.dtype() == vec.dtype(),
              "addmv input tensors must have the same dtype, but got ", c_type_name(self.dtype()), ", ",
              c_type_name(mat.dtype()), ", and ", c_type_name(vec.dtype()));
  check_not_bool(mat, "addmv_impl_cpu");
  const int64_t m = mat.sizes()[0];
  Tensor out = prefilled(self, {m}, beta);
  Tensor out3 = raw_view(out, {1, m, 1}, {m, 1, 1}, out->offset());
  Tensor col = raw_view(vec, {1, vec.sizes()[0], 1}, {0, vec.strides()[0], 1}, vec->offset());
  kernels::gemm_batched(out3, as_batch3(mat), col, alpha, beta);
  if (auto node = make_node<ln::AddmvBackward0>({&self, &mat, &vec})) {
    node->self_sizes = self.sizes();
    node->beta = beta;
    node->alpha = alpha;
    if (node->needs_input_grad(1)) node->save(kOther, vec);
    if (node->needs_input_grad(2)) node->save(kSelf, mat);
    set_history(out, node);
  }
  return out;
}

namespace {
// The in-place twins (addmm_, ...): the product computed unrecorded, checked to have self's shape,
// written into self, and recorded with the out-of-place op's node through rebase_history.
template <typename N>
Tensor& scaled_inplace(Tensor (*op)(const Tensor&, const Tensor&, const Tensor&, Scalar, Scalar), Tensor& self,
                       const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  // The product's shape, checked against self's before anything else (as PyTorch does).
  std::optional<DimVector> out_sizes;
  if constexpr (std::is_same_v<N, ln::AddmmBackward0>) {
    if (a.dim() == 2 && b.dim() == 2) out_sizes = DimVector{a.sizes()[0], b.sizes()[1]};
  } else if constexpr (std::is_same_v<N, ln::AddmvBackward0>) {
    if (a.dim() == 2) out_sizes = DimVector{a.sizes()[0]};
  } else if constexpr (std::is_same_v<N, ln::BaddbmmBackward0>) {
    if (a.dim() == 3 && b.dim() == 3) out_sizes = DimVector{a.sizes()[0], a.sizes()[1], b.sizes()[2]};
  } else {
    if (a.dim() == 3 && b.dim() == 3) out_sizes = DimVector{a.sizes()[1], b.sizes()[2]};
  }
  BIBUN_CHECK(!out_sizes || *out_sizes == self.sizes(), "Bad in-place call: input tensor size ",
              shape_str(self.sizes()), " and output tensor size ", shape_str(*out_sizes), " should match");
  Tensor result;
  {
    AutoGradMode no_grad(false);
    result = op(self, a, b, beta, alpha);
  }
  check_inplace_write(self, {}, self.dtype());
  auto node = make_node<N>({&self, &a, &b});
  if (node) {
    node->self_sizes = self.sizes();
    node->beta = beta;
    node->alpha = alpha;
    if constexpr (std::is_same_v<N, ln::AddbmmBackward0>) node->batches = a.sizes()[0];
    if constexpr (std::is_same_v<N, ln::AddmmBackward0>) {
      node->mat1_col_major = formulas::column_major(a);
      node->mat2_col_major = formulas::column_major(b);
    }
    if (node->needs_input_grad(1)) node->save(kOther, b);
    if (node->needs_input_grad(2)) node->save(kSelf, a);
  }
  kernels::copy(self, result);
  rebase_history(self, node);
  return self;
}
}  // namespace

Tensor& addmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  return scaled_inplace<ln::AddmmBackward0>(&addmm, self, a, b, beta, alpha);
}
Tensor& addmv_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  return scaled_inplace<ln::AddmvBackward0>(&addmv, self, a, b, beta, alpha);
}
Tensor& baddbmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  return scaled_inplace<ln::BaddbmmBackward0>(&baddbmm, self, a, b, beta, alpha);
}
Tensor& addbmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  return scaled_inplace<ln::AddbmmBackward0>(&addbmm, self, a, b, beta, alpha);
}

Tensor unsafe_view(const Tensor& a, const DimVector& sizes) {
  BIBUN_ASSERT(a.is_contiguous());
  Tensor out = raw_view(a, sizes, contiguous_strides(sizes), a->offset());
  if (auto node = make_node<UnsafeViewBackward0>({&a})) {
    node->self_sizes = a.sizes();
    set_history(out, node);
  }
  return out;
}

namespace {
// PyTorch's choice of folding the larger operand's batch into mm/mv (no bmm): when the other
// operand requires grad (a smaller backward), or when the fold is a view.
bool should_fold(const Tensor& t1, const Tensor& t2) {
  const bool t1_larger = t1.dim() >= t2.dim();
  const int64_t dim_big = t1_larger ? t1.dim() : t2.dim(), dim_small = t1_larger ? t2.dim() : t1.dim();
  if (!(dim_big >= 3 && dim_small <= 2)) return false;
  if (t1_larger ? t2.requires_grad() : t1.requires_grad()) return true;
  if (t1.dim() == 2) return false;
  const Tensor& big = t1_larger ? t1 : t2;
  if (big.numel() == 0) return true;
  DimVector sizes = big.sizes(), strides = big.strides();
  if (!t1_larger) {
    std::swap(sizes[dim_big - 1], sizes[dim_big - 2]);
    std::swap(strides[dim_big - 1], strides[dim_big - 2]);
  }
  for (int64_t i = 0; i < dim_big - 2; ++i)
    if (strides[i] != strides[i + 1] * sizes[i + 1]) return false;
  return true;
}
}  // namespace

Tensor matmul(const Tensor& t1, const Tensor& t2) {
  const int64_t d1 = t1.dim(), d2 = t2.dim();
  BIBUN_CHECK(d1 >= 1 && d2 >= 1, "both arguments to matmul need to be at least 1D, but they are ", d1, "D and ", d2,
              "D");
  if (d1 == 1 && d2 == 1) return dot(t1, t2);
  if (d1 == 2 && d2 == 1) return mv(t1, t2);
  if (d1 == 1 && d2 == 2) return squeeze_for_matmul(mm(unsqueeze(t1, 0), t2), 0);
  if (d1 == 2 && d2 == 2) return mm(t1, t2);
  if (should_fold(t1, t2)) {
    const bool transposed = d2 > d1;
    Tensor a = transposed ? mT(t2) : t1;
    Tensor b = !transposed ? t2 : (d1 == 2 ? t(t1) : t1);
    const DimVector& sa = a.sizes();
    DimVector out_shape = slice_sizes(sa, 0, sa.size() - 1);
    const int64_t folded = prod(out_shape, 0, out_shape.size());
    const bool b_matrix = b.dim() == 2;
    if (b_matrix) out_shape.push_back(b.sizes()[1]);
    Tensor a_folded = reshape(a, {folded, sa.back()});
    if (b_matrix) {
      Tensor out = unsafe_view(mm(a_folded, b), out_shape);
      return transposed ? contiguous(mT(out)) : out;
    }
    return unsafe_view(mv(a_folded, b), out_shape);
  }
  const DimVector& s1 = t1.sizes();
  const DimVector& s2 = t2.sizes();
  const int64_t n = d1 > 1 ? s1[d1 - 2] : 1, m1 = s1[d1 - 1];
  const int64_t m2 = d2 > 1 ? s2[d2 - 2] : s2[0], p = d2 > 1 ? s2[d2 - 1] : 1;
  DimVector batch = kernels::broadcast_shapes(d1 > 1 ? slice_sizes(s1, 0, d1 - 2) : DimVector{},
                                              d2 > 1 ? slice_sizes(s2, 0, d2 - 2) : DimVector{});
  const int64_t batch_numel = prod(batch, 0, batch.size());
  DimVector e1 = batch;
  e1.push_back(n);
  e1.push_back(m1);
  Tensor a = reshape(expand(t1, e1), {batch_numel, n, m1});
  const bool vector_rhs = d2 == 1;
  DimVector e2 = batch;
  e2.push_back(m2);
  if (!vector_rhs) e2.push_back(p);
  Tensor b = vector_rhs ? unsqueeze(reshape(expand(t2, e2), {batch_numel, m2}), 2)
                        : reshape(expand(t2, e2), {batch_numel, m2, p});
  DimVector out_shape = batch;
  if (d1 > 1) out_shape.push_back(n);
  if (d2 > 1) out_shape.push_back(p);
  Tensor prod_ = bmm(a, b);
  if (vector_rhs) prod_ = squeeze(prod_, -1);
  return unsafe_view(prod_, out_shape);
}

Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim) {
  BIBUN_CHECK(a.dim() == b.dim(), "linalg.cross: inputs must have the same number of dimensions.");
  const int64_t d = wrap_dim(dim, a.dim());
  BIBUN_CHECK(a.sizes()[d] == 3 && b.sizes()[d] == 3, "linalg.cross: inputs dimension ", dim,
              " must have length 3. Got ", a.sizes()[d], " and ", b.sizes()[d]);
  DimVector shape = kernels::broadcast_shapes(a.sizes(), b.sizes());
  BIBUN_CHECK(a.dtype() == b.dtype(), "expected scalar type ", c_type_name(a.dtype()), " but found ",
              c_type_name(b.dtype()));
  check_not_bool(a, "cross");
  Tensor out;
  {
    AutoGradMode no_grad(false);
    auto at = [&](const Tensor& x, int64_t i) { return select(x, d, i); };
    Tensor c0 = sub(mul(at(a, 1), at(b, 2)), mul(at(a, 2), at(b, 1)), Scalar(int64_t{1}));
    Tensor c1 = sub(mul(at(a, 2), at(b, 0)), mul(at(a, 0), at(b, 2)), Scalar(int64_t{1}));
    Tensor c2 = sub(mul(at(a, 0), at(b, 1)), mul(at(a, 1), at(b, 0)), Scalar(int64_t{1}));
    out = contiguous(expand(stack({c0, c1, c2}, d), shape));
  }
  if (auto node = make_node<ln::LinalgCrossBackward0>({&a, &b})) {
    node->self_sizes = a.sizes();
    node->other_sizes = b.sizes();
    node->dim = d;
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// LAPACK ops: inputs are copied into column-major batches (what LAPACK factors in place), so a
// factorization sees A itself and reports the same failing pivot / minor as PyTorch.

namespace {

void check_square(const Tensor& a, const char* op) {
  BIBUN_CHECK(a.dim() >= 2, op, ": The input tensor A must have at least 2 dimensions.");
  BIBUN_CHECK(a.sizes()[a.dim() - 1] == a.sizes()[a.dim() - 2], op,
              ": A must be batches of square matrices, but they are ", a.sizes()[a.dim() - 2], " by ",
              a.sizes()[a.dim() - 1], " matrices");
}

void check_floating(const Tensor& a, const char* op) {
  BIBUN_CHECK(is_floating(a.dtype()), op, ": Expected a floating point or complex tensor as input. Got ",
              c_type_name(a.dtype()));
}

// A copy of `a` (any strides) whose matrices are column-major, stored one after another.
Tensor column_major_copy(const Tensor& a) {
  const DimVector& sizes = a.sizes();
  const int64_t nd = a.dim(), rows = sizes[nd - 2], cols = sizes[nd - 1];
  DimVector strides(sizes.size(), 0);
  strides[nd - 2] = 1;
  strides[nd - 1] = std::max<int64_t>(rows, 1);
  int64_t running = rows * cols;
  for (int64_t i = nd - 3; i >= 0; --i) {
    strides[i] = std::max<int64_t>(running, 1);
    running *= sizes[i];
  }
  Tensor out(make_intrusive<TensorImpl>(Storage::allocate(std::max<int64_t>(a.numel(), 1) * itemsize(a.dtype())), 0,
                                        sizes, strides, a.dtype()));
  kernels::copy(out, a);
  return out;
}

std::string batch_prefix(const Tensor& a, size_t i) {
  return a.dim() > 2 ? detail::str_cat("(Batch element ", i, "): ") : std::string();
}

Tensor lower_mask(int64_t n, ScalarType dtype, int64_t diagonal_offset) {
  Tensor m = zeros({n, n}, dtype);
  dispatch_floating(dtype, "linalg", [&]<typename T>() {
    T* d = m.data<T>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (j - i <= diagonal_offset) d[i * n + j] = T(1);
  });
  return m;
}

}  // namespace

Tensor linalg_det(const Tensor& a) {
  check_square(a, "linalg.det");
  check_floating(a, "linalg.det");
  const int64_t n = a.sizes()[a.dim() - 1];
  DimVector out_sizes = slice_sizes(a.sizes(), 0, a.dim() - 2);
  Tensor out = empty(out_sizes, a.dtype());
  Tensor lu = column_major_copy(a);
  std::vector<int> pivots;
  std::vector<int> info = kernels::lu_factor(lu, pivots);
  dispatch_floating(a.dtype(), "linalg", [&]<typename T>() {
    T* o = out.data<T>();
    const T* d = lu.data<T>();
    for (size_t b = 0; b < info.size(); ++b) {
      T det = 1;
      for (int64_t i = 0; i < n; ++i) {
        det *= d[b * n * n + i * n + i];
        if (pivots[b * n + i] != i + 1) det = -det;
      }
      o[b] = det;
    }
    if (n == 0)
      for (int64_t b = 0; b < out.numel(); ++b) o[b] = T(1);
  });
  if (auto node = make_node<ln::LinalgDetBackward0>({&a})) {
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

Tensor linalg_inv(const Tensor& a) {
  check_square(a, "linalg.inv");
  check_floating(a, "linalg.inv");
  Tensor inv = column_major_copy(a);
  std::vector<int> pivots;
  std::vector<int> info = kernels::lu_factor(inv, pivots);
  for (size_t i = 0; i < info.size(); ++i)
    if (info[i] > 0)
      throw LinAlgError(detail::str_cat("linalg.inv: ", batch_prefix(a, i), "The diagonal element ", info[i],
                                        " is zero, the inversion could not be completed because the input matrix is "
                                        "singular."));
  kernels::lu_inverse(inv, pivots);
  if (auto node = make_node<ln::LinalgInvExBackward0>({&a})) {
    set_history(inv, node);
    node->save(kResult, inv, /*is_output=*/true);
  }
  return inv;
}

namespace {
Tensor solve_impl(const Tensor& a, const Tensor& b_in, bool vector_case) {
  const int64_t n = a.sizes()[a.dim() - 1];
  Tensor b = b_in;
  if (vector_case) {  // B as a batch of one-column matrices
    DimVector s = b_in.sizes(), st = b_in.strides();
    s.push_back(1);
    st.push_back(1);
    b = raw_view(b_in, s, st, b_in->offset());
  }
  BIBUN_CHECK(b.sizes()[b.dim() - 2] == n, "linalg.solve: Incompatible shapes of A and B for the equation AX = B (",
              n, "x", n, " and ", b.sizes()[b.dim() - 2], "x", b.sizes()[b.dim() - 1], ")");
  const int64_t k = b.sizes()[b.dim() - 1];
  DimVector batch = kernels::broadcast_shapes(slice_sizes(a.sizes(), 0, a.dim() - 2),
                                              slice_sizes(b.sizes(), 0, b.dim() - 2));
  DimVector a_sizes = batch, b_sizes = batch;
  a_sizes.push_back(n);
  a_sizes.push_back(n);
  b_sizes.push_back(n);
  b_sizes.push_back(k);
  Tensor lu = column_major_copy(expand_unrecorded(a, a_sizes));
  Tensor x = column_major_copy(expand_unrecorded(b, b_sizes));
  std::vector<int> pivots;
  std::vector<int> info = kernels::lu_factor(lu, pivots);
  for (size_t i = 0; i < info.size(); ++i)
    if (info[i] > 0)
      throw LinAlgError(detail::str_cat("torch.linalg.solve: ", batch_prefix(a, i),
                                        "The solver failed because the input matrix is singular."));
  kernels::lu_solve(lu, pivots, x, k);
  if (vector_case) {
    DimVector s = x.sizes(), st = x.strides();
    s.resize(s.size() - 1);
    st.resize(st.size() - 1);
    x = raw_view(x, s, st, x->offset());
  }
  return x;
}
}  // namespace

Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left) {
  check_square(a, "linalg.solve");
  check_floating(a, "linalg.solve");
  BIBUN_CHECK(a.dtype() == b.dtype(), "linalg.solve: Expected A and B to have the same dtype, but found A of type ",
              c_type_name(a.dtype()), " and B of type ", c_type_name(b.dtype()), " instead");
  const bool vector_case =
      b.dim() == 1 || (a.dim() - 1 == b.dim() && b.sizes() == slice_sizes(a.sizes(), 0, a.dim() - 1));
  BIBUN_CHECK(vector_case || b.dim() >= 2, "linalg.solve: Incompatible shapes of A and B for the equation ",
              left ? "AX = B" : "XA = B");
  Tensor x;
  if (left) {
    x = solve_impl(a, b, vector_case);
  } else {
    // X A = B  <=>  Aᵀ Xᵀ = Bᵀ. A vector B is read as one column, checked, and refused as PyTorch does.
    const int64_t n = a.sizes()[a.dim() - 1];
    const int64_t rows = vector_case ? b.sizes()[b.dim() - 1] : b.sizes()[b.dim() - 2];
    const int64_t cols = vector_case ? 1 : b.sizes()[b.dim() - 1];
    BIBUN_CHECK(cols == n, "linalg.solve: Incompatible shapes of A and B for the equation XA = B (", n, "x", n, " and ",
                rows, "x", cols, ")");
    BIBUN_CHECK(!vector_case,
                "linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. In this "
                "case linalg.solve is equivalent to B / A.squeeze(-1)");
    AutoGradMode no_grad(false);
    x = mT(solve_impl(mT(a), mT(b), false));
  }
  if (auto node = make_node<ln::LinalgSolveExBackward0>({&a, &b})) {
    node->self_sizes = a.sizes();
    node->other_sizes = b.sizes();
    node->vector_case = vector_case;
    node->left = left;
    node->save(kSelf, a);
    set_history(x, node);
    if (node->needs_input_grad(0)) node->save(kResult, x, /*is_output=*/true);
  }
  return x;
}

namespace {
Tensor cholesky_impl(const Tensor& a, bool upper, const char* op) {
  check_square(a, op);
  if (std::string_view(op) == "cholesky") dispatch_floating(a.dtype(), "cholesky_cpu", []<typename T>() {});
  check_floating(a, op);
  Tensor l = column_major_copy(a);
  std::vector<int> info = kernels::cholesky(l);
  for (size_t i = 0; i < info.size(); ++i)
    if (info[i] > 0)
      throw LinAlgError(detail::str_cat(op, ": ", batch_prefix(a, i),
                                        "The factorization could not be completed because the input is not "
                                        "positive-definite (the leading minor of order ",
                                        info[i], " is not positive-definite)."));
  if (upper) {
    DimVector s = l.sizes(), st = l.strides();
    std::swap(st[st.size() - 1], st[st.size() - 2]);
    l = raw_view(l, s, st, 0);
  }
  return l;
}
}  // namespace

Tensor linalg_cholesky(const Tensor& a, bool upper) {
  Tensor l = cholesky_impl(a, upper, "linalg.cholesky");
  if (auto node = make_node<ln::LinalgCholeskyExBackward0>({&a})) {
    node->upper = upper;
    set_history(l, node);
    node->save(kResult, l, /*is_output=*/true);
  }
  return l;
}

Tensor cholesky(const Tensor& a, bool upper) {
  Tensor l = cholesky_impl(a, upper, "cholesky");
  if (auto node = make_node<ln::CholeskyBackward0>({&a})) {
    node->upper = upper;
    set_history(l, node);
    node->save(kResult, l, /*is_output=*/true);
  }
  return l;
}

namespace {
// An uninitialised batch with `sizes` whose matrices are column-major, one after another.
Tensor column_major_empty(const DimVector& sizes, ScalarType dtype) {
  const int64_t nd = static_cast<int64_t>(sizes.size()), rows = sizes[nd - 2], cols = sizes[nd - 1];
  DimVector strides(sizes.size(), 0);
  strides[nd - 2] = 1;
  strides[nd - 1] = std::max<int64_t>(rows, 1);
  int64_t running = rows * cols;
  for (int64_t i = nd - 3; i >= 0; --i) {
    strides[i] = std::max<int64_t>(running, 1);
    running *= sizes[i];
  }
  return Tensor(make_intrusive<TensorImpl>(Storage::allocate(std::max<int64_t>(numel_of(sizes), 1) * itemsize(dtype)),
                                           0, sizes, strides, dtype));
}
}  // namespace

namespace {
// LAPACK's info of an SVD, raised with PyTorch's texts: -4 means a NaN entry.
void check_svd_info(const std::vector<int>& info, const Tensor& a) {
  for (size_t i = 0; i < info.size(); ++i) {
    if (info[i] < 0)
      throw LinAlgError(detail::str_cat("linalg.svd: ", batch_prefix(a, i),
                                        "The algorithm failed to converge because the input matrix contained "
                                        "non-finite values."));
    if (info[i] > 0)
      throw LinAlgError(detail::str_cat("linalg.svd: ", batch_prefix(a, i),
                                        "The algorithm failed to converge because the input matrix is ill-conditioned "
                                        "or has too many repeated singular values (error code: ",
                                        info[i], ")."));
  }
}

// A batch of identity matrices (n x n) with the given batch sizes: the singular vectors of an
// empty matrix with full_matrices, as PyTorch returns them.
Tensor batched_eye(DimVector batch, int64_t n, ScalarType dtype) {
  Tensor eye_n = eye(n, n, dtype);
  DimVector sizes = batch;
  sizes.push_back(n);
  sizes.push_back(n);
  return contiguous(expand_unrecorded(eye_n, sizes));
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices, bool compute_uv) {
  BIBUN_CHECK(a.dim() >= 2, "linalg.svd: The input tensor A must have at least 2 dimensions.");
  check_floating(a, "linalg.svd");
  const int64_t m = a.sizes()[a.dim() - 2], n = a.sizes()[a.dim() - 1], k = std::min(m, n);
  const DimVector batch = slice_sizes(a.sizes(), 0, a.dim() - 2);
  const int64_t u_cols = full_matrices ? m : k, vt_rows = full_matrices ? n : k;
  auto with_batch = [&](std::initializer_list<int64_t> tail) {
    DimVector s = batch;
    for (int64_t t : tail) s.push_back(t);
    return s;
  };
  Tensor s = empty(with_batch({k}), a.dtype());
  Tensor u, vt;
  if (compute_uv) {
    u = column_major_empty(with_batch({m, u_cols}), a.dtype());
    vt = column_major_empty(with_batch({vt_rows, n}), a.dtype());
  } else {
    u = empty(with_batch({0}), a.dtype());
    vt = empty(with_batch({0}), a.dtype());
  }
  if (k == 0) {
    if (compute_uv && full_matrices) {
      u = batched_eye(batch, m, a.dtype());
      vt = batched_eye(batch, n, a.dtype());
    }
  } else {
    Tensor work = column_major_copy(a);
    check_svd_info(kernels::svd(work, u, s, vt, compute_uv ? (full_matrices ? 'A' : 'S') : 'N'), a);
  }
  if (compute_uv) {
    if (auto node = make_node<ln::LinalgSvdBackward0>({&a})) {
      node->full_matrices = full_matrices;
      set_history(u, node);
      set_history(s, node);
      set_history(vt, node);
      node->save(kSelf, u, /*is_output=*/true);
      node->save(kOther, s, /*is_output=*/true);
      node->save(kResult, vt, /*is_output=*/true);
    }
  }
  return {u, s, vt};
}

Tensor linalg_svdvals(const Tensor& a) {
  // With a gradient to record, the singular vectors its backward needs come along (PyTorch
  // records svdvals as its linalg_svd: S is output 1 of a LinalgSvdBackward0).
  const bool need_vectors = compute_requires_grad({&a});
  return std::get<1>(linalg_svd(a, false, need_vectors));
}

// Note [SVD backward]
// For A = U diag(S) Vh (real, thin: U m x k, Vh k x n, distinct non-zero singular values when a
// gradient of U or Vh is given) the differential of a loss with gradients gU, gS, gVh is taken
// back to A as
//   gA = U [ (skew(Uᵀ gU) S + S skew(Vh gVhᵀ)) / E + diag(gS) ] Vh
//        + (I_m - U Uᵀ) gU S⁻¹ Vh            (only when m > n)
//        + U S⁻¹ gVh (I_n - Vhᵀ Vh)           (only when m < n)
// with skew(X) = X - Xᵀ and E[i, j] = S[j]² - S[i]² off the diagonal (1 on it, where the
// numerator is 0). Only gauge-invariant losses have a well-defined gradient; the formula is the
// one of such losses. Every step is a recorded op, so the result differentiates again (the
// saved U, S, Vh are outputs of the node, so double backward flows back into it).
Tensor svd_backward(const Tensor& gU, const Tensor& gS, const Tensor& gVh, const Tensor& U, const Tensor& S,
                    const Tensor& Vh) {
  const int64_t m = U.sizes()[U.dim() - 2], n = Vh.sizes()[Vh.dim() - 1], k = S.sizes()[S.dim() - 1];
  if (!gU.defined() && !gVh.defined()) {
    if (!gS.defined()) return Tensor();
    // svdvals: gA = U diag(gS) Vh, with the scaling on the smaller factor.
    return m >= n ? matmul(U, mul(unsqueeze(gS, -1), Vh)) : matmul(mul(U, unsqueeze(gS, -2)), Vh);
  }
  const Scalar one(int64_t{1});
  const Tensor s_row = unsqueeze(S, -2), s_col = unsqueeze(S, -1);
  auto skew = [&](const Tensor& x) { return sub(x, mT(x), one); };
  const Tensor s2 = mul(S, S);
  const Tensor e = add(sub(unsqueeze(s2, -2), unsqueeze(s2, -1), one), eye(k, k, S.dtype()), one);
  Tensor inner;
  if (gU.defined() && gVh.defined()) {
    Tensor j = skew(matmul(mT(U), gU)), l = skew(matmul(Vh, mT(gVh)));
    inner = div(add(mul(j, s_row), mul(s_col, l), one), e);
  } else if (gU.defined()) {
    inner = mul(skew(matmul(mT(U), gU)), div(s_row, e));
  } else {
    inner = mul(s_col, div(skew(matmul(Vh, mT(gVh))), e));
  }
  if (gS.defined()) inner = add(inner, diag_embed(gS, 0, -2, -1), one);
  if (m > n && gU.defined()) {
    Tensor ga = matmul(U, inner);
    Tensor gu_sinv = div(gU, s_row);
    ga = sub(add(ga, gu_sinv, one), matmul(U, matmul(mT(U), gu_sinv)), one);
    return matmul(ga, Vh);
  }
  if (m < n && gVh.defined()) {
    Tensor ga = matmul(inner, Vh);
    Tensor sinv_gvh = div(gVh, s_col);
    ga = sub(add(ga, sinv_gvh, one), matmul(matmul(sinv_gvh, mT(Vh)), Vh), one);
    return matmul(U, ga);
  }
  return m >= n ? matmul(U, matmul(inner, Vh)) : matmul(matmul(U, inner), Vh);
}

// The gradient of the Cholesky factor (PyTorch's cholesky_backward): with L lower,
// gA = L^-H Φ(L^H gL) L^-1 where Φ keeps the lower triangle and halves the diagonal,
// symmetrized. Written with recorded ops (solve, matmul, masks) so it differentiates again.
Tensor cholesky_backward(const Tensor& g_in, const Tensor& factor, bool upper) {
  Tensor l = upper ? mT(factor) : factor;
  Tensor g = upper ? mT(g_in) : g_in;
  const int64_t n = l.sizes()[l.dim() - 1];
  Tensor tril = lower_mask(n, l.dtype(), 0), strict = lower_mask(n, l.dtype(), -1);
  Tensor ga = mul(matmul(mT(l), g), tril);
  ga = mul(add(ga, mT(mul(ga, strict)), Scalar(int64_t{1})), wrapped_scalar(Scalar(0.5)));
  ga = linalg_solve(mT(l), ga);              // L^H X = gA
  return mT(linalg_solve(mT(l), mT(ga)));     // Y L = X  <=>  L^H Y^H = X^H
}

// The cofactor matrices det(A) A^-T of a batch of singular matrices, from an SVD (unrecorded).
Tensor det_cofactors_svd(const Tensor& a) {
  const int64_t n = a.sizes()[a.dim() - 1];
  Tensor work = column_major_copy(a);
  Tensor u = column_major_copy(a), vt = column_major_copy(a);
  DimVector s_sizes = slice_sizes(a.sizes(), 0, a.dim() - 1);
  Tensor s = empty(s_sizes, a.dtype());
  check_svd_info(kernels::svd(work, u, s, vt), a);
  Tensor u_lu = column_major_copy(u), vt_lu = column_major_copy(vt);
  std::vector<int> pu, pv;
  kernels::lu_factor(u_lu, pu);
  kernels::lu_factor(vt_lu, pv);
  Tensor out = empty(a.sizes(), a.dtype());  // row-major
  const int64_t batches = n == 0 ? 0 : a.numel() / (n * n);
  dispatch_floating(a.dtype(), "linalg", [&]<typename T>() {
    const T *ud = u.data<T>(), *vd = vt.data<T>(), *sd = s.data<T>(), *ul = u_lu.data<T>(), *vl = vt_lu.data<T>();
    T* o = out.data<T>();
    std::vector<T> pr(n);
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t off = b * n * n;
      T sign = 1;
      for (int64_t i = 0; i < n; ++i) {
        sign *= (ul[off + i * n + i] < 0 ? -1 : 1) * (vl[off + i * n + i] < 0 ? -1 : 1);
        if (pu[b * n + i] != i + 1) sign = -sign;
        if (pv[b * n + i] != i + 1) sign = -sign;
      }
      for (int64_t i = 0; i < n; ++i) {
        T p = 1;
        for (int64_t j = 0; j < n; ++j)
          if (j != i) p *= sd[b * n + j];
        pr[i] = p;
      }
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < n; ++c) {
          T acc = 0;  // (U diag(pr) Vt)[r, c]; column-major U[r, i] = ud[i * n + r]
          for (int64_t i = 0; i < n; ++i) acc += ud[off + i * n + r] * pr[i] * vd[off + c * n + i];
          o[off + r * n + c] = sign * acc;
        }
    }
  });
  return out;
}

}  // namespace bibun::ops
