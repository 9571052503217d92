// The op layer: one function per op = check arguments -> run the kernel -> record the node.
// Every differentiable op here records its <Op>Backward node when grad mode is on and an
// input requires grad; formulas live in csrc/autograd/formulas/.
#pragma once
#include <optional>
#include <vector>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

// Creation
Tensor empty(const DimVector& sizes, ScalarType dtype);
Tensor zeros(const DimVector& sizes, ScalarType dtype);
Tensor ones(const DimVector& sizes, ScalarType dtype);
Tensor full(const DimVector& sizes, Scalar value, ScalarType dtype);
Tensor eye(int64_t n, int64_t m, ScalarType dtype);
Tensor randn(const DimVector& sizes, ScalarType dtype);
// A 0-d tensor for a Python number taking part in an op (lowest promotion priority).
Tensor wrapped_scalar(Scalar value);
Tensor scalar_tensor(Scalar value, ScalarType dtype);
// Copies `nbytes` of row-major data of `dtype` into a new tensor of `sizes`.
Tensor from_blob_copy(const void* data, const DimVector& sizes, const DimVector& byte_strides, ScalarType dtype);

// Type promotion (PyTorch's result_type over dim>0 tensors, 0-d tensors, wrapped numbers).
ScalarType result_type(const Tensor& a, const Tensor& b);

// Arithmetic (broadcasting, type promotion). Scalars reach these as wrapped_scalar().
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha);
Tensor rsub(const Tensor& a, const Tensor& b, Scalar alpha);  // b - alpha * a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, Scalar exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(Scalar base, const Tensor& exponent);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor log_sigmoid(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor reciprocal(const Tensor& a);
Tensor masked_fill(const Tensor& a, const Tensor& mask, Scalar value);

// Comparisons and logic (not differentiable; results are bool).
Tensor compare(int op, const Tensor& a, const Tensor& b);  // op: kernels::BinaryOp value
Tensor eq(const Tensor& a, const Tensor& b);
bool equal(const Tensor& a, const Tensor& b);

// In-place (Note [In-place rebase] in autograd/variable.cpp).
Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha);
Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other);
Tensor& zero_(Tensor& self);
Tensor& fill_(Tensor& self, Scalar value);
Tensor& copy_(Tensor& self, const Tensor& src);
Tensor& t_(Tensor& self);
// out= form: writes `result` into `out` (resized if it has another shape).
Tensor& assign_out(Tensor& out, const Tensor& result);

// Reductions; dims empty = all dims.
Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype);
Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype);
Tensor all(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor any(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor norm(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim);
// Sums `grad` down to `shape` (reverse of broadcasting).
Tensor sum_to(const Tensor& grad, const DimVector& shape);

// Linear algebra
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);

// Views and copies
Tensor expand(const Tensor& a, const DimVector& sizes);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor t(const Tensor& a);
Tensor view(const Tensor& a, const DimVector& sizes);
Tensor reshape(const Tensor& a, const DimVector& sizes);
Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim);
Tensor permute(const Tensor& a, const std::vector<int64_t>& dims);
Tensor squeeze_all(const Tensor& a);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
// Python slice semantics: start/end are clamped; step > 0.
Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);
Tensor alias(const Tensor& a);
// Gradients of select/slice: `grad` placed into zeros of `sizes` (differentiable).
Tensor select_backward(const Tensor& grad, const DimVector& sizes, int64_t dim, int64_t index);
Tensor slice_backward(const Tensor& grad, const DimVector& sizes, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor clone(const Tensor& a);
Tensor contiguous(const Tensor& a);
Tensor to_dtype(const Tensor& a, ScalarType dtype);

// Joining: cat along an existing dim, stack along a new one (type-promoted).
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);

// Activations and selection
Tensor relu(const Tensor& a);
Tensor celu(const Tensor& a, Scalar alpha);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// Losses
enum class Reduction { None = 0, Mean = 1, Sum = 2 };
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction);

}  // namespace bibun::ops
