// Advanced indexing and the index ops. Every op funnels into two unrecorded primitives over an
// IndexWalk (kernels/index_kernels.h): index_data (read the picked elements) and put_data (write
// or accumulate into them); the public ops add checks with PyTorch's texts and record the node.
#include "ops/indexing.h"

#include <string>

#include "autograd/formulas/indexing_nodes.h"
#include "kernels/index_kernels.h"
#include "ops/common.h"

namespace bibun::ops {

namespace in = indexing_nodes;
namespace ik = kernels::indexing;

namespace {

std::string short_type(ScalarType t) {
  std::string s = legacy_type_name(t);
  return s.substr(0, s.size() - 6);  // "FloatTensor" -> "Float"
}

bool is_index_dtype(ScalarType t) { return t == ScalarType::Int64 || t == ScalarType::Int32; }

Tensor copy_data(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype());
  kernels::copy(out, t);
  return out;
}

// A tensor over the same memory with no autograd history, so internal views record nothing.
Tensor data_of(const Tensor& t) { return detach(t); }

// Masks replaced by their nonzero coordinates: one int64/int32 tensor (or undefined) per dim.
std::vector<Tensor> expand_indices(const Tensor& self, const std::vector<Tensor>& indices) {
  std::vector<Tensor> out;
  for (const Tensor& t : indices) {
    if (!t.defined()) {
      out.emplace_back();
      continue;
    }
    BIBUN_CHECK_T(IndexError, is_index_dtype(t.dtype()) || t.dtype() == ScalarType::Bool,
                  "tensors used as indices must be long, int, byte or bool tensors");
    if (t.dtype() != ScalarType::Bool) {
      out.push_back(t);
      continue;
    }
    const int64_t start = static_cast<int64_t>(out.size());
    BIBUN_CHECK_T(IndexError, start + t.dim() <= self.dim(), "too many indices for tensor of dimension ", self.dim());
    for (int64_t j = 0; j < t.dim(); ++j) {
      BIBUN_CHECK_T(IndexError, t.sizes()[j] == self.sizes()[start + j], "The shape of the mask ",
                    shape_str(t.sizes()), " at index ", j, " does not match the shape of the indexed tensor ",
                    shape_str(self.sizes()), " at index ", start + j);
    }
    Tensor nz = nonzero(data_of(t));
    for (int64_t j = 0; j < t.dim(); ++j) out.push_back(select(nz, 1, j));
  }
  BIBUN_CHECK_T(IndexError, static_cast<int64_t>(out.size()) <= self.dim(), "too many indices for tensor of dimension ",
                self.dim());
  return out;
}

// The walk of self[idx]: result shape, and where each result element comes from (NumPy's rule:
// adjacent index tensors put their broadcast shape in place, separated ones put it first).
ik::IndexWalk make_walk(const Tensor& self, const std::vector<Tensor>& idx, const DimVector* error_dims = nullptr) {
  std::vector<int64_t> dims;
  std::vector<Tensor> defined;
  DimVector bshape;
  for (size_t d = 0; d < idx.size(); ++d) {
    if (!idx[d].defined()) continue;
    dims.push_back(static_cast<int64_t>(d));
    defined.push_back(idx[d]);
    const DimVector& s = idx[d].sizes();
    DimVector r(std::max(bshape.size(), s.size()), 1);
    bool ok = true;
    for (size_t i = 0; i < r.size(); ++i) {
      int64_t a = i + bshape.size() >= r.size() ? bshape[i + bshape.size() - r.size()] : 1;
      int64_t b = i + s.size() >= r.size() ? s[i + s.size() - r.size()] : 1;
      if (a != b && a != 1 && b != 1) ok = false;
      r[i] = a == 1 ? b : a;
    }
    if (!ok) {
      std::string shapes;
      for (const Tensor& t : idx)
        if (t.defined()) shapes += (shapes.empty() ? "" : ", ") + shape_str(t.sizes());
      throw IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
    }
    bshape = r;
  }
  ik::IndexWalk w;
  DimVector sizes, strides, err;
  for (int64_t d : dims) {
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d]);
    err.push_back(error_dims ? (*error_dims)[d] : static_cast<int64_t>(sizes.size() - 1));
  }
  w.offsets = empty(bshape, ScalarType::Int64);
  ik::index_offsets(w.offsets, defined, sizes, strides, &err);
  const DimVector bstrides = contiguous_strides(bshape);
  bool adjacent = true;
  for (size_t i = 1; i < dims.size(); ++i) adjacent &= dims[i] == dims[i - 1] + 1;
  auto push_self = [&](int64_t d) {
    w.shape.push_back(self.sizes()[d]);
    w.self_strides.push_back(self.strides()[d]);
    w.off_strides.push_back(0);
  };
  auto push_b = [&]() {
    for (size_t i = 0; i < bshape.size(); ++i) {
      w.shape.push_back(bshape[i]);
      w.self_strides.push_back(0);
      w.off_strides.push_back(bstrides[i]);
    }
  };
  const int64_t first = dims.empty() ? 0 : dims.front(), last = dims.empty() ? -1 : dims.back();
  if (adjacent) {
    for (int64_t d = 0; d < first; ++d) push_self(d);
    push_b();
    for (int64_t d = last + 1; d < self.dim(); ++d) push_self(d);
  } else {
    push_b();
    for (int64_t d = 0; d < self.dim(); ++d)
      if (d >= static_cast<int64_t>(idx.size()) || !idx[d].defined()) push_self(d);
  }
  return w;
}

Tensor index_data(const Tensor& self, const std::vector<Tensor>& indices) {
  ik::IndexWalk w = make_walk(self, expand_indices(self, indices));
  Tensor out = empty(w.shape, self.dtype());
  if (out.numel() > 0) ik::index_get(out, self, w);
  return out;
}

void put_data(const Tensor& dst, const ik::IndexWalk& w, Tensor values, bool accumulate) {
  bool ok = values.dim() <= static_cast<int64_t>(w.shape.size());
  for (int64_t i = 0; ok && i < values.dim(); ++i) {
    int64_t v = values.sizes()[values.dim() - 1 - i], r = w.shape[w.shape.size() - 1 - i];
    ok = v == r || v == 1;
  }
  BIBUN_CHECK(ok, "shape mismatch: value tensor of shape ", shape_str(values.sizes()),
              " cannot be broadcast to indexing result of shape ", shape_str(w.shape));
  if (numel_of(w.shape) == 0) return;
  // Values that share memory with the destination are read before any write lands.
  if (values->storage().get() == dst->storage().get()) values = copy_data(values);
  ik::index_put(dst, values, w, accumulate);
}

void check_put_dtypes(const Tensor& self, const Tensor& values) {
  BIBUN_CHECK(self.dtype() == values.dtype(), "Index put requires the source and destination dtypes match, got ",
              short_type(self.dtype()), " for the destination and ", short_type(values.dtype()), " for the source.");
}

// [undefined] * dim + [index as 1-D]: indexes one dim of self.
std::vector<Tensor> at_dim(int64_t dim, const Tensor& index) {
  std::vector<Tensor> v(dim);
  v.push_back(index.dim() == 0 ? reshape(index, {1}) : index);
  return v;
}

// self with at least one dim (a 0-d tensor seen as shape (1,)), same memory, no history.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? reshape(data_of(t), {1}) : data_of(t); }

void check_vector_index(const Tensor& index, const char* op) {
  BIBUN_CHECK_T(IndexError, index.dim() <= 1, op, "(): Index is supposed to be a vector, but got dim: ", index.dim(),
                " with type: ", short_type(index.dtype()), " and size: ", shape_str(index.sizes()));
  BIBUN_CHECK(is_index_dtype(index.dtype()), op, "(): Expected dtype int32/int64 for index");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// index / index_put

Tensor index(const Tensor& self, const std::vector<Tensor>& indices) {
  Tensor out = index_data(self, indices);
  if (auto node = make_node<in::IndexBackward0>({&self})) {
    node->self_sizes = self.sizes();
    node->save_indices(indices);
    set_history(out, node);
  }
  return out;
}

namespace {
void index_put_into(const Tensor& dst, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  check_put_dtypes(dst, values);
  put_data(dst, make_walk(dst, expand_indices(dst, indices)), values, accumulate);
}
template <typename N>
std::shared_ptr<N> index_put_node(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                                  bool accumulate) {
  auto node = make_node<N>({&self, &values});
  if (node) {
    node->save_indices(indices);
    node->values_sizes = values.sizes();
    node->accumulate = accumulate;
  }
  return node;
}
}  // namespace

Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor out = copy_data(self);
  index_put_into(out, indices, values, accumulate);
  if (auto node = index_put_node<in::IndexPutBackward0>(self, indices, values, accumulate)) set_history(out, node);
  return out;
}

Tensor& index_put_(Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  check_inplace_write(self, {}, self.dtype());
  auto node = index_put_node<in::IndexPutBackward0>(self, indices, values, accumulate);
  index_put_into(self, indices, values, accumulate);
  rebase_history(self, node);
  return self;
}

// ---------------------------------------------------------------------------------------------
// gather / scatter

namespace {
int64_t nonempty_dim(const Tensor& t) { return std::max<int64_t>(t.dim(), 1); }
int64_t size_or_1(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.sizes()[d]; }

ik::ScatterReduce parse_reduce(const std::string& reduce) {
  if (reduce.empty()) return ik::ScatterReduce::None;
  if (reduce == "add") return ik::ScatterReduce::Add;
  if (reduce == "multiply") return ik::ScatterReduce::Multiply;
  throw Error("reduce argument must be either add or multiply.");
}

void check_scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const char* op) {
  BIBUN_CHECK(is_index_dtype(index.dtype()), op, "(): Expected dtype int32/int64 for index");
  if (src.defined())
    BIBUN_CHECK(self.dtype() == src.dtype(), op, "(): Expected self.dtype to be equal to src.dtype");
  BIBUN_CHECK(nonempty_dim(index) == nonempty_dim(self), "Index tensor must have the same number of dimensions as self tensor");
  if (src.defined())
    BIBUN_CHECK(nonempty_dim(index) == nonempty_dim(src), "Index tensor must have the same number of dimensions as src tensor");
  if (index.numel() == 0) return;
  bool ok = true, src_ok = true;
  for (int64_t d = 0; d < nonempty_dim(index); ++d) {
    if (d != dim && size_or_1(index, d) > size_or_1(self, d)) ok = false;
    if (src.defined() && size_or_1(index, d) > size_or_1(src, d)) src_ok = false;
  }
  if (src.defined()) {
    BIBUN_CHECK(ok && src_ok, "Expected index ", shape_str(index.sizes()), " to be no larger than self ",
                shape_str(self.sizes()), " apart from dimension ", dim, " and to be no larger size than src ",
                shape_str(src.sizes()));
  } else {
    BIBUN_CHECK(ok, "Expected index ", shape_str(index.sizes()), " to be no larger than self ",
                shape_str(self.sizes()), " apart from dimension ", dim);
  }
}

void scatter_into(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
                  ik::ScatterReduce reduce) {
  if (index.numel() == 0) return;
  Tensor s = src;
  if (s.defined() && s->storage().get() == dst->storage().get()) s = copy_data(s);
  ik::scatter(dst, dim, index, s, value, reduce);
}

std::shared_ptr<FormulaNode> scatter_node(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                                          bool reduce) {
  std::shared_ptr<FormulaNode> node;
  if (reduce) {
    node = src.defined() ? make_node<in::ScatterReduceNotImplemented>({&self, &src})
                         : make_node<in::ScatterReduceNotImplemented>({&self});
  } else if (src.defined()) {
    if (auto n = make_node<in::ScatterBackward0>({&self, &src})) {
      n->dim = dim;
      node = n;
    }
  } else if (auto n = make_node<in::ScatterBackward1>({&self})) {
    n->dim = dim;
    node = n;
  }
  if (node) node->save(kOther, index);
  return node;
}
}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, self.dim());
  BIBUN_CHECK(is_index_dtype(index.dtype()), "gather(): Expected dtype int32/int64 for index");
  BIBUN_CHECK(nonempty_dim(index) == nonempty_dim(self), "Index tensor must have the same number of dimensions as input tensor");
  if (index.numel() > 0) {
    for (int64_t d = 0; d < nonempty_dim(index); ++d)
      BIBUN_CHECK(d == dim || size_or_1(index, d) <= size_or_1(self, d), "Size does not match at dimension ", d,
                  " expected index ", shape_str(index.sizes()), " to be no larger than self ", shape_str(self.sizes()),
                  " apart from dimension ", dim);
  }
  Tensor out = empty(index.sizes(), self.dtype());
  if (out.numel() > 0) ik::gather(out, self, dim, index);
  if (auto node = make_node<in::GatherBackward0>({&self})) {
    node->self_sizes = self.sizes();
    node->dim = dim;
    node->save(kOther, index);
    set_history(out, node);
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
               const std::string& reduce) {
  dim = wrap_dim(dim, self.dim());
  check_scatter(self, dim, index, src, "scatter");
  ik::ScatterReduce r = parse_reduce(reduce);
  Tensor out = copy_data(self);
  scatter_into(out, dim, index, src, value, r);
  if (auto node = scatter_node(self, dim, index, src, !reduce.empty())) set_history(out, node);
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
                 const std::string& reduce) {
  dim = wrap_dim(dim, self.dim());
  check_scatter(self, dim, index, src, "scatter");
  ik::ScatterReduce r = parse_reduce(reduce);
  check_inplace_write(self, {}, self.dtype());
  auto node = scatter_node(self, dim, index, src, !reduce.empty());
  scatter_into(self, dim, index, src, value, r);
  rebase_history(self, node);
  return self;
}

namespace {
std::shared_ptr<in::ScatterAddBackward0> scatter_add_node(const Tensor& self, int64_t dim, const Tensor& index,
                                                          const Tensor& src) {
  auto node = make_node<in::ScatterAddBackward0>({&self, &src});
  if (node) {
    node->dim = dim;
    node->save(kOther, index);
  }
  return node;
}
}  // namespace

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  dim = wrap_dim(dim, self.dim());
  check_scatter(self, dim, index, src, "scatter");
  Tensor out = copy_data(self);
  scatter_into(out, dim, index, src, Scalar(), ik::ScatterReduce::Add);
  if (auto node = scatter_add_node(self, dim, index, src)) set_history(out, node);
  return out;
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  dim = wrap_dim(dim, self.dim());
  check_scatter(self, dim, index, src, "scatter");
  check_inplace_write(self, {}, self.dtype());
  auto node = scatter_add_node(self, dim, index, src);
  scatter_into(self, dim, index, src, Scalar(), ik::ScatterReduce::Add);
  rebase_history(self, node);
  return self;
}

// ---------------------------------------------------------------------------------------------
// index_select / index_add / index_fill / index_copy

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, self.dim());
  BIBUN_CHECK_T(IndexError, index.dim() <= 1, "index_select(): Index is supposed to be a vector");
  BIBUN_CHECK(is_index_dtype(index.dtype()), "index_select(): Expected dtype int32 or int64 for index");
  const int64_t size = size_or_1(self, dim);
  if (auto bad = ik::find_out_of_range(index, 0, size))
    throw Error(detail::str_cat("INDICES element is out of DATA bounds, id=", *bad, " axis_dim=", size));
  Tensor out;
  if (self.dim() == 0) {
    BIBUN_CHECK(index.numel() == 1, "index_select(): Index to scalar can have only 1 value, got ", index.numel(),
                " value(s)");
    out = copy_data(self);
  } else {
    out = index_data(data_of(self), at_dim(dim, index));
  }
  if (auto node = make_node<in::IndexSelectBackward0>({&self})) {
    node->self_sizes = self.sizes();
    node->dim = dim;
    node->save(kOther, index);
    set_history(out, node);
  }
  return out;
}

namespace {
void check_index_add_like(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const char* op) {
  check_vector_index(index, op);
  const int64_t count = index.numel();
  BIBUN_CHECK_T(IndexError, source.dim() > 0 || count == 1, "Dimension specified as ", dim,
                " but tensor has no dimensions");
  const int64_t source_size = size_or_1(source, std::min<int64_t>(dim, nonempty_dim(source) - 1));
  bool dims_ok = nonempty_dim(source) == nonempty_dim(self);
  if (std::string(op) == "index_copy_") {
    BIBUN_CHECK_T(IndexError, count == source_size, op, "(): Number of indices (", count,
                  ") should be equal to source.size(dim) (", source_size, ")");
    BIBUN_CHECK(self.dtype() == source.dtype(), op, "(): self and source expected to have the same dtype, but got (self) ",
                short_type(self.dtype()), " and (source) ", short_type(source.dtype()));
  } else {
    BIBUN_CHECK(self.dtype() == source.dtype(), op, "(): self (", short_type(self.dtype()), ") and source (",
                short_type(source.dtype()), ") must have the same scalar type");
    BIBUN_CHECK(count == source_size, op, "(): Number of indices (", count, ") should be equal to source.size(dim): (",
                source_size, "), for dim: ", dim);
  }
  bool ok = dims_ok;
  for (int64_t d = 0; ok && d < self.dim(); ++d)
    if (d != dim && source.sizes()[d] != self.sizes()[d]) ok = false;
  BIBUN_CHECK(ok, op, "(): source ", shape_str(source.sizes()), " and self ", shape_str(self.sizes()),
              " must have the same sizes apart from dimension ", dim);
  const int64_t size = size_or_1(self, dim);
  if (auto bad = ik::find_out_of_range(index, 0, size)) {
    std::string text = detail::str_cat("index ", *bad, " is out of bounds for dimension ", dim, " with size ", size);
    if (std::string(op) == "index_copy_") throw IndexError(std::string(op) + "(): " + text);
    throw Error(text);
  }
}

// dst[..., index[i], ...] (+)= source[..., i, ...] along dim.
void put_at_dim(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& source, bool accumulate) {
  Tensor d = at_least_1d(dst);
  DimVector err(static_cast<size_t>(d.dim()), dim);
  Tensor values = source.dim() == d.dim() ? source : reshape(data_of(source), [&] {
    DimVector s = d.sizes();
    s[dim] = index.numel();
    return s;
  }());
  std::vector<Tensor> idx = at_dim(dim, index);
  put_data(d, make_walk(d, idx, &err), values, accumulate);
}

Tensor scaled(const Tensor& source, Scalar alpha) {
  if (alpha.to_double() == 1.0 && !alpha.is_floating()) return source;
  if (alpha.to_double() == 1.0) return source;
  Tensor out = empty(source.sizes(), source.dtype());
  kernels::binary(kernels::BinaryOp::Mul, out, source, scalar_tensor(alpha, source.dtype()));
  return out;
}

template <typename F>
Tensor& record_inplace(Tensor& self, const std::shared_ptr<Node>& node, F&& write) {
  write(self);
  rebase_history(self, node);
  return self;
}
}  // namespace

namespace {
std::shared_ptr<in::IndexAddBackward0> index_add_node(const Tensor& self, int64_t dim, const Tensor& index,
                                                      const Tensor& source, Scalar alpha) {
  auto node = make_node<in::IndexAddBackward0>({&self, &source});
  if (node) {
    node->dim = dim;
    node->alpha = alpha;
    node->source_sizes = source.sizes();
    node->save(kOther, index);
  }
  return node;
}
}  // namespace

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  dim = wrap_dim(dim, self.dim());
  check_index_add_like(self, dim, index, source, "index_add_");
  Tensor out = copy_data(self);
  put_at_dim(out, dim, index, scaled(source, alpha), true);
  if (auto node = index_add_node(self, dim, index, source, alpha)) set_history(out, node);
  return out;
}

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  dim = wrap_dim(dim, self.dim());
  check_index_add_like(self, dim, index, source, "index_add_");
  check_inplace_write(self, {}, self.dtype());
  auto node = index_add_node(self, dim, index, source, alpha);
  return record_inplace(self, node, [&](Tensor& t) { put_at_dim(t, dim, index, scaled(source, alpha), true); });
}

namespace {
void fill_at_dim(const Tensor& dst, int64_t dim, const Tensor& index, Scalar value) {
  check_vector_index(index, "index_fill_");
  const int64_t size = size_or_1(dst, dim);
  if (auto bad = ik::find_out_of_range(index, -size, size))
    throw IndexError(detail::str_cat("index ", *bad, " is out of bounds for dimension ", dim, " with size ", size));
  Tensor d = at_least_1d(dst);
  DimVector err(static_cast<size_t>(d.dim()), dim);
  put_data(d, make_walk(d, at_dim(dim, index), &err), scalar_tensor(value, dst.dtype()), false);
}
std::shared_ptr<in::IndexFillBackward0> index_fill_node(const Tensor& self, int64_t dim, const Tensor& index) {
  auto node = make_node<in::IndexFillBackward0>({&self});
  if (node) {
    node->dim = dim;
    node->save(kOther, index);
  }
  return node;
}
}  // namespace

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, Scalar value) {
  dim = wrap_dim(dim, self.dim());
  Tensor out = copy_data(self);
  fill_at_dim(out, dim, index, value);
  if (auto node = index_fill_node(self, dim, index)) set_history(out, node);
  return out;
}

namespace {
Scalar item_of(const Tensor& t) {
  return dispatch_all(t.dtype(), [&]<typename T>() -> Scalar {
    T v = t.data<T>()[0];
    if constexpr (std::is_same_v<T, bool>) return Scalar(v);
    else if constexpr (std::is_floating_point_v<T>) return Scalar(static_cast<double>(v));
    else return Scalar(static_cast<int64_t>(v));
  });
}
void check_fill_value(const Tensor& value) {
  BIBUN_CHECK(value.dim() == 0, "index_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
}
std::shared_ptr<in::IndexFillBackward1> index_fill_node(const Tensor& self, int64_t dim, const Tensor& index,
                                                        const Tensor& value) {
  auto node = make_node<in::IndexFillBackward1>({&self, &value});
  if (node) {
    node->dim = dim;
    node->save(kOther, index);
  }
  return node;
}
}  // namespace

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  dim = wrap_dim(dim, self.dim());
  check_fill_value(value);
  Tensor out = copy_data(self);
  fill_at_dim(out, dim, index, item_of(value));
  if (auto node = index_fill_node(self, dim, index, value)) set_history(out, node);
  return out;
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  dim = wrap_dim(dim, self.dim());
  check_fill_value(value);
  check_inplace_write(self, {}, self.dtype());
  auto node = index_fill_node(self, dim, index, value);
  return record_inplace(self, node, [&](Tensor& t) { fill_at_dim(t, dim, index, item_of(value)); });
}

Tensor& fill_tensor_(Tensor& self, const Tensor& value) {
  BIBUN_CHECK(value.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  check_inplace_write(self, {}, self.dtype());
  auto node = make_node<in::FillBackward3>({&self, &value});
  kernels::copy(self, value);
  rebase_history(self, node);
  return self;
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, Scalar value) {
  dim = wrap_dim(dim, self.dim());
  check_inplace_write(self, {}, self.dtype());
  auto node = index_fill_node(self, dim, index);
  return record_inplace(self, node, [&](Tensor& t) { fill_at_dim(t, dim, index, value); });
}

namespace {
std::shared_ptr<in::IndexCopyBackward0> index_copy_node(const Tensor& self, int64_t dim, const Tensor& index,
                                                        const Tensor& source) {
  auto node = make_node<in::IndexCopyBackward0>({&self, &source});
  if (node) {
    node->dim = dim;
    node->source_sizes = source.sizes();
    node->save(kOther, index);
  }
  return node;
}
}  // namespace

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  dim = wrap_dim(dim, self.dim());
  check_index_add_like(self, dim, index, source, "index_copy_");
  Tensor out = copy_data(self);
  put_at_dim(out, dim, index, source, false);
  if (auto node = index_copy_node(self, dim, index, source)) set_history(out, node);
  return out;
}

Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  dim = wrap_dim(dim, self.dim());
  check_index_add_like(self, dim, index, source, "index_copy_");
  check_inplace_write(self, {}, self.dtype());
  auto node = index_copy_node(self, dim, index, source);
  return record_inplace(self, node, [&](Tensor& t) { put_at_dim(t, dim, index, source, false); });
}

// ---------------------------------------------------------------------------------------------
// masked_select / masked_scatter / take / nonzero

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  BIBUN_CHECK(mask.dtype() == ScalarType::Bool, "masked_select: expected BoolTensor for mask");
  DimVector shape = kernels::broadcast_shapes(mask.sizes(), self.sizes());
  Tensor s = data_of(self), m = data_of(mask);
  if (shape.empty()) {  // two 0-d tensors: a 1-D result
    shape = {1};
    s = reshape(s, shape);
    m = reshape(m, shape);
  }
  Tensor out = index_data(expand(s, shape), {expand(m, shape)});
  if (auto node = make_node<in::MaskedSelectBackward0>({&self})) {
    node->self_sizes = self.sizes();
    node->save(kOther, mask);
    set_history(out, node);
  }
  return out;
}

namespace {
void masked_scatter_into(const Tensor& dst, const Tensor& mask, const Tensor& source) {
  Tensor m = expand(data_of(mask), dst.sizes());
  const int64_t n = ik::count_nonzero(m);
  BIBUN_CHECK(n <= source.numel(), "Number of elements of source < number of ones in mask");
  if (n == 0) return;
  Tensor flat = reshape(data_of(source), {source.numel()});
  Tensor values = slice(flat, 0, 0, n, 1);
  Tensor d = at_least_1d(dst);
  Tensor md = dst.dim() == 0 ? reshape(m, {1}) : m;
  put_data(d, make_walk(d, expand_indices(d, {md})), values, false);
}
void check_masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  BIBUN_CHECK(mask.dtype() == ScalarType::Bool, "masked_scatter_ only supports boolean masks, but got mask with dtype ",
              c_type_name(mask.dtype()));
  BIBUN_CHECK(self.dtype() == source.dtype(), "masked_scatter: expected self and source to have same dtypes but got",
              short_type(self.dtype()), " and ", short_type(source.dtype()));
}
std::shared_ptr<in::MaskedScatterBackward0> masked_scatter_node(const Tensor& self, const Tensor& mask,
                                                                const Tensor& source) {
  auto node = make_node<in::MaskedScatterBackward0>({&self, &source});
  if (node) {
    node->self_sizes = self.sizes();
    node->source_sizes = source.sizes();
    node->save(kOther, mask);
  }
  return node;
}
}  // namespace

Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  check_masked_scatter(self, mask, source);
  DimVector shape = kernels::broadcast_shapes(self.sizes(), mask.sizes());
  Tensor out = empty(shape, self.dtype());
  kernels::copy(out, self);
  masked_scatter_into(out, mask, source);
  if (auto node = masked_scatter_node(self, mask, source)) set_history(out, node);
  return out;
}

Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source) {
  check_masked_scatter(self, mask, source);
  check_inplace_write(self, {&mask}, self.dtype());
  auto node = masked_scatter_node(self, mask, source);
  return record_inplace(self, node, [&](Tensor& t) { masked_scatter_into(t, mask, source); });
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, Scalar value) {
  BIBUN_CHECK(mask.dtype() == ScalarType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
              c_type_name(mask.dtype()));
  check_inplace_write(self, {&mask}, self.dtype());
  auto node = make_node<MaskedFillBackward0>({&self});
  if (node) node->save(kOther, mask);
  kernels::masked_fill(self, self, expand(data_of(mask), self.sizes()), value);
  rebase_history(self, node);
  return self;
}

namespace {
void check_masked_fill_tensor(const Tensor& mask, const Tensor& value) {
  BIBUN_CHECK(mask.dtype() == ScalarType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
              c_type_name(mask.dtype()));
  BIBUN_CHECK(value.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
              value.dim(), " dimension(s).");
}
std::shared_ptr<in::MaskedFillBackward1> masked_fill_node(const Tensor& self, const Tensor& mask, const Tensor& value) {
  auto node = make_node<in::MaskedFillBackward1>({&self, &value});
  if (node) node->save(kOther, mask);
  return node;
}
}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_masked_fill_tensor(mask, value);
  DimVector shape = kernels::broadcast_shapes(self.sizes(), mask.sizes());
  BIBUN_CHECK(shape == self.sizes(), "masked_fill: mask of shape must be broadcastable to the input's shape");
  Tensor out = empty(self.sizes(), self.dtype());
  kernels::masked_fill(out, self, mask, item_of(value));
  if (auto node = masked_fill_node(self, mask, value)) set_history(out, node);
  return out;
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  check_masked_fill_tensor(mask, value);
  check_inplace_write(self, {&mask}, self.dtype());
  auto node = masked_fill_node(self, mask, value);
  kernels::masked_fill(self, self, expand(data_of(mask), self.sizes()), item_of(value));
  rebase_history(self, node);
  return self;
}

Tensor take(const Tensor& self, const Tensor& index) {
  BIBUN_CHECK(index.dtype() == ScalarType::Int64, "take(): Expected a long tensor for index, but got ",
              short_type(index.dtype()));
  const int64_t n = self.numel();
  if (auto bad = ik::find_out_of_range(index, -n, n))
    throw IndexError(detail::str_cat("out of range: tried to access index ", *bad, " on a tensor of ", n, " elements."));
  Tensor flat = reshape(self.is_contiguous() ? data_of(self) : copy_data(self), {n});
  Tensor out = index_data(flat, {index});
  if (auto node = make_node<in::TakeBackward0>({&self})) {
    node->self_sizes = self.sizes();
    node->save(kOther, index);
    set_history(out, node);
  }
  return out;
}

Tensor nonzero(const Tensor& self) {
  const int64_t count = ik::count_nonzero(self);
  Tensor out = empty({count, self.dim()}, ScalarType::Int64);
  ik::nonzero(out, self);
  return out;
}

}  // namespace bibun::ops
