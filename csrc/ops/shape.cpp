// Shape ops that copy: flip, roll, rot90, tril/triu, diag/diag_embed/trace, repeat,
// repeat_interleave, split/unbind (views sharing one node), gather/scatter-add along a dim.
#include "ops/shape.h"

#include <algorithm>

#include "autograd/formulas/shape_nodes.h"
#include "kernels/shape_kernels.h"
#include "ops/common.h"

namespace bibun::ops {

namespace sn = shape_nodes;

namespace {

// A contiguous copy of `t`'s values, never a view, unrecorded.
Tensor copy_data(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype());
  kernels::copy(out, t);
  return out;
}
Tensor contiguous_data(const Tensor& t) { return t.is_contiguous() ? t : copy_data(t); }

// A view of `a` with every dim in `dims` reversed (negative strides); internal only.
Tensor reversed_view(const Tensor& a, const std::vector<int64_t>& dims) {
  DimVector strides = a.strides();
  int64_t offset = a->offset();
  if (a.numel() > 0) {
    for (int64_t d : dims) {
      offset += (a.sizes()[d] - 1) * strides[d];
      strides[d] = -strides[d];
    }
  }
  return Tensor(make_intrusive<TensorImpl>(a->storage(), offset, a.sizes(), strides, a.dtype()));
}

Tensor flip_data(const Tensor& a, const std::vector<int64_t>& dims) {
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::copy(out, reversed_view(a, a.dim() == 0 ? std::vector<int64_t>{} : dims));
  return out;
}

// Unrecorded slice of a freshly allocated or temporary tensor.
Tensor window(const Tensor& t, int64_t dim, int64_t start, int64_t end) {
  AutoGradMode off(false);
  return slice(t, dim, start, end, 1);
}

Tensor roll_data(const Tensor& a, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  Tensor cur = a;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = dims[i], n = cur.sizes()[d];
    Tensor out = empty(cur.sizes(), cur.dtype());
    if (n == 0 || cur.numel() == 0) {
      cur = out;
      continue;
    }
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) {
      kernels::copy(out, cur);
    } else {
      kernels::copy(window(out, d, s, n), window(cur, d, 0, n - s));
      kernels::copy(window(out, d, 0, s), window(cur, d, n - s, n));
    }
    cur = out;
  }
  if (cur.impl() == a.impl()) {
    Tensor out = empty(a.sizes(), a.dtype());
    kernels::copy(out, a);
    return out;
  }
  return cur;
}

// Records `node` (if any) on each of `outs`, views of `a` made without recording.
template <typename N>
void record_multi(const std::shared_ptr<N>& node, std::vector<Tensor>& outs) {
  if (!node) return;
  for (Tensor& o : outs) {
    if (auto* meta = o->autograd_meta()) meta->requires_grad = false;
    set_history(o, node);
  }
}

}  // namespace

namespace {

// Gives self the layout of `view` (a view of self computed without recording) and records
// `node` through Note [In-place rebase].
template <typename N>
Tensor& restride_(Tensor& self, const Tensor& view, const std::shared_ptr<N>& node) {
  self->set_sizes_and_strides(view.sizes(), view.strides(), view->offset());
  rebase_history(self, node);
  return self;
}

void check_restride(const Tensor& self, const char* op) {
  check_inplace(self);
  BIBUN_CHECK_T(NotImplementedError, !(self->is_view() && self.requires_grad() && GradMode::is_enabled()),
                "bibun does not support ", op, "() on a view that requires grad; use the out-of-place op");
}

Tensor unrecorded(Tensor (*fn)(const Tensor&, int64_t), const Tensor& a, int64_t d) {
  AutoGradMode off(false);
  return fn(a, d);
}

}  // namespace

Tensor& unsqueeze_(Tensor& self, int64_t dim) {
  check_restride(self, "unsqueeze_");
  Tensor v = unrecorded(&unsqueeze, self, dim);
  auto node = make_node<sn::UnsqueezeBackward1>({&self});
  if (node) node->dim = wrap_dim(dim, self.dim() + 1);
  return restride_(self, v, node);
}

Tensor& squeeze_(Tensor& self, std::optional<std::vector<int64_t>> dims, bool dims_overload) {
  check_restride(self, "squeeze_");
  Tensor v;
  {
    AutoGradMode off(false);
    v = !dims ? squeeze_all(self) : squeeze_dims(self, *dims);
  }
  if (!dims) {
    auto node = make_node<sn::SqueezeInplaceAllBackward>({&self});
    if (node) node->self_sizes = self.sizes();
    return restride_(self, v, node);
  }
  auto node = make_node<sn::SqueezeInplaceDimsBackward>({&self});
  if (node) {
    node->self_sizes = self.sizes();
    node->dims = *dims;
    node->dims_overload = dims_overload;
  }
  return restride_(self, v, node);
}

Tensor& transpose_(Tensor& self, int64_t dim0, int64_t dim1) {
  check_restride(self, "transpose_");
  Tensor v;
  {
    AutoGradMode off(false);
    v = transpose(self, dim0, dim1);
  }
  auto node = make_node<sn::TransposeBackward1>({&self});
  if (node) {
    node->dim0 = wrap_dim(dim0, self.dim());
    node->dim1 = wrap_dim(dim1, self.dim());
  }
  return restride_(self, v, node);
}

Tensor flip(const Tensor& a, const std::vector<int64_t>& dims_in) {
  std::vector<int64_t> dims = wrap_dims(dims_in, a.dim());
  Tensor out = flip_data(a, dims);
  if (auto node = make_node<sn::FlipBackward0>({&a})) {
    node->dims = dims;
    set_history(out, node);
  }
  return out;
}

Tensor roll(const Tensor& a, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims_in) {
  BIBUN_CHECK(!shifts.empty(), "`shifts` required");
  BIBUN_CHECK(shifts.size() == dims_in.size() || (dims_in.empty() && shifts.size() == 1),
              "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:", dims_in.size());
  Tensor out;
  std::vector<int64_t> dims;
  for (int64_t d : dims_in) dims.push_back(wrap_dim(d, a.dim()));
  if (dims_in.empty()) {
    Tensor flat = empty({a.numel()}, a.dtype());
    kernels::copy(flat, a.is_contiguous() ? a : contiguous_data(a));
    out = roll_data(flat, shifts, {0});
    out = Tensor(make_intrusive<TensorImpl>(out->storage(), 0, a.sizes(), contiguous_strides(a.sizes()), a.dtype()));
  } else {
    out = roll_data(a, shifts, dims);
  }
  if (auto node = make_node<sn::RollBackward0>({&a})) {
    node->shifts = shifts;
    node->dims = dims;
    set_history(out, node);
  }
  return out;
}

Tensor rot90(const Tensor& a, int64_t k, const std::vector<int64_t>& dims) {
  BIBUN_CHECK(dims.size() == 2, "expected total rotation dims == 2, but got dims = ", dims.size());
  BIBUN_CHECK(a.dim() >= 2, "expected total dims >= 2, but got total dims = ", a.dim());
  const int64_t d0 = wrap_dim(dims[0], a.dim()), d1 = wrap_dim(dims[1], a.dim());
  BIBUN_CHECK(d0 != d1, "expected rotation dims to be different, but got dim0 = ", dims[0], " and dim1 = ", dims[1]);
  const int64_t r = ((k % 4) + 4) % 4;
  Tensor out;
  {
    AutoGradMode off(false);
    if (r == 0) out = flip_data(a, {});
    else if (r == 2) out = flip_data(a, {d0, d1});
    else out = contiguous(transpose(flip_data(a, {r == 1 ? d1 : d0}), d0, d1));
  }
  if (auto node = make_node<sn::Rot90Backward0>({&a})) {
    node->k = k;
    node->dims = {d0, d1};
    set_history(out, node);
  }
  return out;
}

namespace {

template <typename N>
Tensor triangle(const Tensor& a, int64_t k, bool lower) {
  BIBUN_CHECK(a.dim() >= 2, lower ? "tril" : "triu", ": input tensor must have at least 2 dimensions");
  Tensor out = empty(a.sizes(), a.dtype());
  if (a.numel() > 0) kernels::tril_triu(out, a, k, lower);
  if (auto node = make_node<N>({&a})) {
    node->k = k;
    set_history(out, node);
  }
  return out;
}

template <typename N>
Tensor& triangle_(Tensor& self, int64_t k, bool lower) {
  BIBUN_CHECK(self.dim() >= 2, lower ? "tril" : "triu", ": input tensor must have at least 2 dimensions");
  check_inplace_write(self, {}, self.dtype());
  auto node = make_node<N>({&self});
  if (node) node->k = k;
  if (self.numel() > 0) kernels::tril_triu(self, self, k, lower);
  rebase_history(self, node);
  return self;
}

}  // namespace

Tensor tril(const Tensor& a, int64_t k) { return triangle<sn::TrilBackward0>(a, k, true); }
Tensor triu(const Tensor& a, int64_t k) { return triangle<sn::TriuBackward0>(a, k, false); }
Tensor& tril_(Tensor& self, int64_t k) { return triangle_<sn::TrilBackward0>(self, k, true); }
Tensor& triu_(Tensor& self, int64_t k) { return triangle_<sn::TriuBackward0>(self, k, false); }

Tensor diag_embed(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t nd = a.dim() + 1;
  const int64_t d1 = wrap_dim(dim1, nd), d2 = wrap_dim(dim2, nd);
  BIBUN_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t n = (a.dim() == 0 ? 1 : a.sizes()[a.dim() - 1]) + std::abs(offset);
  DimVector sizes;
  for (int64_t d = 0, src = 0; d < nd; ++d) {
    if (d == d1 || d == d2) sizes.push_back(n);
    else sizes.push_back(a.sizes()[src++]);
  }
  Tensor out;
  {
    AutoGradMode off(false);
    out = diagonal_backward(a.dim() == 0 ? reshape(a, {1}) : a, sizes, offset, d1, d2);
  }
  if (auto node = make_node<sn::DiagEmbedBackward0>({&a})) {
    node->offset = offset;
    node->dim1 = d1;
    node->dim2 = d2;
    set_history(out, node);
  }
  return out;
}

Tensor diag(const Tensor& a, int64_t offset) {
  BIBUN_CHECK(a.dim() == 1 || a.dim() == 2, "diag(): Supports 1D or 2D tensors. Got ", a.dim(), "D");
  if (a.dim() == 1) return diag_embed(a, offset, 0, 1);
  Tensor out;
  {
    AutoGradMode off(false);
    out = copy_data(diagonal(a, offset, 0, 1));
  }
  if (auto node = make_node<sn::DiagonalCopyBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->offset = offset;
    set_history(out, node);
  }
  return out;
}

Tensor trace(const Tensor& a) {
  if (a.dtype() == ScalarType::Bool) throw NotImplementedError("\"trace\" not implemented for 'Bool'");
  BIBUN_CHECK(a.dim() == 2, "trace: expected a matrix, but got tensor with dim ", a.dim());
  Tensor out;
  {
    AutoGradMode off(false);
    out = sum(diagonal(a, 0, 0, 1), {}, false, std::nullopt);
  }
  if (auto node = make_node<sn::TraceBackward0>({&a})) {
    node->self_sizes = a.sizes();
    set_history(out, node);
  }
  return out;
}

Tensor repeat(const Tensor& a, const std::vector<int64_t>& repeats) {
  BIBUN_CHECK(static_cast<int64_t>(repeats.size()) >= a.dim(),
              "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const size_t nd = repeats.size(), pad = nd - static_cast<size_t>(a.dim());
  DimVector padded(nd, 1), out_sizes(nd);
  for (size_t i = 0; i < static_cast<size_t>(a.dim()); ++i) padded[pad + i] = a.sizes()[i];
  for (size_t i = 0; i < nd; ++i) out_sizes[i] = padded[i] * repeats[i];
  for (size_t i = 0; i < nd; ++i)
    BIBUN_CHECK(out_sizes[i] >= 0, "Trying to create tensor with negative dimension ", out_sizes[i], ": ",
                shape_str(out_sizes));
  Tensor out = empty(out_sizes, a.dtype());
  if (out.numel() > 0) {
    AutoGradMode off(false);
    DimVector inter, src_sizes;
    for (size_t i = 0; i < nd; ++i) {
      inter.push_back(repeats[i]);
      inter.push_back(padded[i]);
      src_sizes.push_back(1);
      src_sizes.push_back(padded[i]);
    }
    Tensor src = reshape(a, src_sizes);
    kernels::copy(view(out, inter), expand(src, inter));
  }
  if (auto node = make_node<sn::RepeatBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->repeats = repeats;
    set_history(out, node);
  }
  return out;
}

Tensor repeat_interleave(const Tensor& a_in, int64_t repeats, std::optional<int64_t> dim_in) {
  BIBUN_CHECK(repeats >= 0, "Repeats must be non-negative");
  Tensor a = dim_in ? a_in : flatten(a_in, 0, -1);
  const int64_t dim = wrap_dim(dim_in.value_or(0), a.dim());
  if (a.dim() == 0) a = reshape(a, {1});
  Tensor u = unsqueeze(a, dim + 1);
  DimVector sizes = u.sizes();
  sizes[dim + 1] = repeats;
  return flatten(contiguous(expand(u, sizes)), dim, dim + 1);
}

Tensor repeat_interleave_index(const Tensor& repeats) {
  BIBUN_CHECK(repeats.dim() <= 1, "repeats must be 0-dim or 1-dim tensor");
  if (repeats.dtype() != ScalarType::Int64 && repeats.dtype() != ScalarType::Int32)
    throw NotImplementedError(std::string("\"repeat_interleave_cpu\" not implemented for '") +
                              c_type_name(repeats.dtype()) + "'");
  Tensor r = cast_data(contiguous_data(repeats), ScalarType::Int64);
  const int64_t* rp = r.data<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < r.numel(); ++i) {
    BIBUN_CHECK(rp[i] >= 0, "repeats can not be negative");
    total += rp[i];
  }
  Tensor out = empty({total}, ScalarType::Int64);
  int64_t* op = out.data<int64_t>();
  for (int64_t i = 0, k = 0; i < r.numel(); ++i)
    for (int64_t j = 0; j < rp[i]; ++j) op[k++] = i;
  return out;
}

Tensor repeat_interleave(const Tensor& a_in, const Tensor& repeats_in, std::optional<int64_t> dim_in) {
  Tensor a = dim_in ? a_in : flatten(a_in, 0, -1);
  if (a.dim() == 0) a = reshape(a, {1});
  const int64_t dim = wrap_dim(dim_in.value_or(0), a.dim());
  Tensor repeats = repeats_in;
  BIBUN_CHECK(repeats.dim() <= 1, "repeats must be 0-dim or 1-dim tensor");
  if (repeats.numel() == 1) {
    AutoGradMode off(false);
    repeats = expand(reshape(repeats, {1}), {a.sizes()[dim]});
  }
  BIBUN_CHECK(repeats.dim() == 1 && repeats.sizes()[0] == a.sizes()[dim],
              "repeats must have the same size as input along dim, but got repeats.size(0) = ",
              repeats.dim() == 0 ? 1 : repeats.sizes()[0], " and input.size(", dim, ") = ", a.sizes()[dim]);
  return index_select_dim(a, dim, repeat_interleave_index(repeats));
}

std::vector<Tensor> split_with_sizes(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim_in) {
  BIBUN_CHECK(a.dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t dim = wrap_dim(dim_in, a.dim());
  const int64_t n = a.sizes()[dim];
  int64_t total = 0;
  bool negative = false;
  for (int64_t s : sizes) {
    total += s;
    negative |= s < 0;
  }
  BIBUN_CHECK(!negative, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
              shape_str(DimVector(sizes)));
  BIBUN_CHECK(total == n, "split_with_sizes expects split_sizes to sum exactly to ", n,
              " (input tensor's size at dimension ", dim, "), but got split_sizes=", shape_str(DimVector(sizes)));
  std::vector<Tensor> outs;
  {
    AutoGradMode off(false);
    int64_t start = 0;
    for (int64_t s : sizes) {
      outs.push_back(slice(a, dim, start, start + s, 1));
      start += s;
    }
  }
  if (auto node = make_node<sn::SplitWithSizesBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    record_multi(node, outs);
  }
  return outs;
}

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim_in) {
  BIBUN_CHECK(a.dim() > 0, "split expects at least a 1-dimensional tensor");
  const int64_t dim = wrap_dim(dim_in, a.dim());
  const int64_t n = a.sizes()[dim];
  BIBUN_CHECK(split_size >= 0, "split expects split_size be non-negative, but got split_size=", split_size);
  BIBUN_CHECK(split_size != 0 || n == 0, "split_size can only be 0 if dimension size is 0, but got dimension size of ",
              n);
  const int64_t chunks = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<Tensor> outs;
  {
    AutoGradMode off(false);
    for (int64_t i = 0; i < chunks; ++i) {
      int64_t start = i * split_size;
      outs.push_back(slice(a, dim, start, std::min(start + split_size, n), 1));
    }
  }
  if (auto node = make_node<sn::SplitBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    record_multi(node, outs);
  }
  return outs;
}

std::vector<Tensor> unbind(const Tensor& a, int64_t dim_in) {
  BIBUN_CHECK_T(IndexError, a.dim() > 0, "Dimension specified as ", dim_in, " but tensor has no dimensions");
  const int64_t dim = wrap_dim(dim_in, a.dim());
  std::vector<Tensor> outs;
  {
    AutoGradMode off(false);
    for (int64_t i = 0; i < a.sizes()[dim]; ++i) outs.push_back(select(a, dim, i));
  }
  if (auto node = make_node<sn::UnbindBackward0>({&a})) {
    node->dim = dim;
    record_multi(node, outs);
  }
  return outs;
}

Tensor gather_along(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out = empty(index.sizes(), a.dtype());
  if (out.numel() > 0) kernels::gather_along(out, a, dim, index);
  if (auto node = make_node<sn::GatherDimBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    node->save(kSelf, index);
    set_history(out, node);
  }
  return out;
}

Tensor scatter_add_along(const DimVector& sizes, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = zeros(sizes, src.dtype());
  if (src.numel() > 0) kernels::scatter_add_along(out, dim, index, src);
  if (auto node = make_node<sn::ScatterAddDimBackward0>({&src})) {
    node->dim = dim;
    node->save(kSelf, index);
    set_history(out, node);
  }
  return out;
}

Tensor index_select_dim(const Tensor& a, int64_t dim, const Tensor& index) {
  DimVector out_sizes = a.sizes(), idx_strides(a.dim(), 0);
  out_sizes[dim] = index.numel();
  idx_strides[dim] = index.dim() == 0 ? 1 : index.strides()[0];
  // The 1-D index laid along `dim`, expanded over the other dims (stride 0).
  Tensor idx(make_intrusive<TensorImpl>(index->storage(), index->offset(), out_sizes, idx_strides, index.dtype()));
  Tensor out = empty(out_sizes, a.dtype());
  if (out.numel() > 0) kernels::gather_along(out, a, dim, idx);
  if (auto node = make_node<sn::IndexSelectBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    node->save(kSelf, idx);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
