// Backward formulas of the products and the linear algebra (ops/linalg.cpp), written with bibun
// ops so that create_graph records them.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/linalg_nodes.h"
#include "autograd/formulas/nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/linalg.h"

namespace bibun {

namespace {
Tensor mT(const Tensor& a) { return ops::transpose(a, -2, -1); }
}  // namespace

tensor_list MmBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = formulas::mm_mat1_grad(g[0], saved(kOther), mat1_col_major);
  if (needs_input_grad(1)) r[1] = formulas::mm_mat2_grad(g[0], saved(kSelf), mat2_col_major);
  return r;
}

tensor_list MvBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mm(ops::unsqueeze(g[0], 1), ops::unsqueeze(saved(kOther), 0));
  if (needs_input_grad(1)) r[1] = ops::mv(ops::t(saved(kSelf)), g[0]);
  return r;
}

tensor_list DotBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mul(g[0], saved(kOther));
  if (needs_input_grad(1)) r[1] = ops::mul(g[0], saved(kSelf));
  return r;
}

namespace linalg_nodes {

using formulas::maybe_multiply;

tensor_list VdotBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mul(g[0], saved(kOther));
  if (needs_input_grad(1)) r[1] = ops::mul(g[0], saved(kSelf));
  return r;
}

tensor_list BmmBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::bmm(g[0], mT(saved(kOther)));
  if (needs_input_grad(1)) r[1] = ops::bmm(mT(saved(kSelf)), g[0]);
  return r;
}

tensor_list BaddbmmBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = ops::sum_to(maybe_multiply(g[0], beta), self_sizes);
  if (needs_input_grad(1)) r[1] = maybe_multiply(ops::bmm(g[0], mT(saved(kOther))), alpha);
  if (needs_input_grad(2)) r[2] = maybe_multiply(ops::bmm(mT(saved(kSelf)), g[0]), alpha);
  return r;
}

tensor_list AddbmmBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = ops::sum_to(maybe_multiply(g[0], beta), self_sizes);
  if (needs_input_grad(1) || needs_input_grad(2)) {
    Tensor ge = ops::expand(ops::unsqueeze(g[0], 0), {batches, g[0].sizes()[0], g[0].sizes()[1]});
    if (needs_input_grad(1)) r[1] = maybe_multiply(ops::bmm(ge, mT(saved(kOther))), alpha);
    if (needs_input_grad(2)) r[2] = maybe_multiply(ops::bmm(mT(saved(kSelf)), ge), alpha);
  }
  return r;
}

tensor_list AddmmBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = ops::sum_to(maybe_multiply(g[0], beta), self_sizes);
  if (needs_input_grad(1)) r[1] = maybe_multiply(formulas::mm_mat1_grad(g[0], saved(kOther), mat1_col_major), alpha);
  if (needs_input_grad(2)) r[2] = maybe_multiply(formulas::mm_mat2_grad(g[0], saved(kSelf), mat2_col_major), alpha);
  return r;
}

tensor_list AddmvBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = ops::sum_to(maybe_multiply(g[0], beta), self_sizes);
  if (needs_input_grad(1))
    r[1] = maybe_multiply(ops::mm(ops::unsqueeze(g[0], 1), ops::unsqueeze(saved(kOther), 0)), alpha);
  if (needs_input_grad(2)) r[2] = maybe_multiply(ops::mv(ops::t(saved(kSelf)), g[0]), alpha);
  return r;
}

tensor_list LinalgCrossBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::sum_to(ops::linalg_cross(saved(kOther), g[0], dim), self_sizes);
  if (needs_input_grad(1)) r[1] = ops::sum_to(ops::linalg_cross(g[0], saved(kSelf), dim), other_sizes);
  return r;
}

namespace {
bool any_zero(const Tensor& t) {
  Tensor hit = ops::any(ops::eq(t, formulas::scalar(0.0)), {}, false);
  return hit.data<bool>()[0];
}

Tensor unsqueeze2(const Tensor& t) { return ops::unsqueeze(ops::unsqueeze(t, -1), -1); }
}  // namespace

// d det / dA = det(A) A^-T (the cofactor matrix); for singular matrices that cofactor matrix
// comes from an SVD instead of the inverse.
tensor_list LinalgDetBackward0::apply(tensor_list&& g) {
  Tensor a = saved(kSelf), det = saved(kResult);
  if (a.numel() == 0) return {formulas::zeros_like(a)};
  if (any_zero(det)) {
    // PyTorch's first derivative is det * A^-T, 0 at a singular matrix; under create_graph it
    // switches to the cofactor matrix (the true derivative), which the SVD gives for every A.
    Tensor cof = ops::det_cofactors_svd(a);
    if (!GradMode::is_enabled())
      cof = ops::mul(cof, unsqueeze2(ops::to_dtype(ops::compare(static_cast<int>(kernels::BinaryOp::Ne), det,
                                                                 formulas::scalar(0.0)),
                                                    det.dtype())));
    return {ops::mul(unsqueeze2(g[0]), cof)};
  }
  return {ops::mul(unsqueeze2(ops::mul(g[0], det)), mT(ops::linalg_inv(a)))};
}

tensor_list LinalgInvExBackward0::apply(tensor_list&& g) {
  Tensor inv_t = mT(saved(kResult));
  return {ops::neg(ops::matmul(ops::matmul(inv_t, g[0]), inv_t))};
}

// A X = B: gB = A^-T gX, gA = -gB X^T; X A = B: gB = gX A^-T, gA = -X^T gB.
tensor_list LinalgSolveExBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor a = saved(kSelf);
  Tensor gb = ops::linalg_solve(mT(a), g[0], left);
  if (needs_input_grad(0)) {
    Tensor x = saved(kResult);
    Tensor ga = !left        ? ops::matmul(mT(x), gb)
                : vector_case ? ops::matmul(ops::unsqueeze(gb, -1), ops::unsqueeze(x, -2))
                              : ops::matmul(gb, mT(x));
    r[0] = ops::sum_to(ops::neg(ga), self_sizes);
  }
  if (needs_input_grad(1)) r[1] = ops::sum_to(gb, other_sizes);
  return r;
}

tensor_list LinalgCholeskyExBackward0::apply(tensor_list&& g) {
  return {ops::cholesky_backward(g[0], saved(kResult), upper)};
}

tensor_list CholeskyBackward0::apply(tensor_list&& g) { return {ops::cholesky_backward(g[0], saved(kResult), upper)}; }

// Note [SVD backward] in ops/linalg.cpp. With full_matrices only the first k = min(m, n)
// columns of U and rows of Vh take part (the rest are not unique), as in PyTorch.
tensor_list LinalgSvdBackward0::apply(tensor_list&& g) {
  Tensor u = saved(kSelf), s = saved(kOther), vh = saved(kResult);
  Tensor gu = g[0], gvh = g[2];
  if (full_matrices) {
    const int64_t k = s.sizes()[s.dim() - 1];
    u = ops::slice(u, -1, 0, k, 1);
    vh = ops::slice(vh, -2, 0, k, 1);
    if (gu.defined()) gu = ops::slice(gu, -1, 0, k, 1);
    if (gvh.defined()) gvh = ops::slice(gvh, -2, 0, k, 1);
  }
  return {ops::svd_backward(gu, g[1], gvh, u, s, vh)};
}

}  // namespace linalg_nodes

}  // namespace bibun
