// Tensor: the value-semantics handle over a TensorImpl that the whole core passes around
// and that Python binds (its pybind11 holder), so a result costs one Python object.
#pragma once
#include <vector>

#include "tensor/tensor_impl.h"

namespace bibun {

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(intrusive_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // pybind11 constructs holders from raw pointers; safe because the count is intrusive.
  explicit Tensor(TensorImpl* impl) : impl_(impl) {}

  bool defined() const { return static_cast<bool>(impl_); }
  TensorImpl* get() const { return impl_.get(); }
  TensorImpl* operator->() const { return impl_.get(); }
  const intrusive_ptr<TensorImpl>& impl() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  const DimVector& sizes() const { return impl_->sizes(); }
  const DimVector& strides() const { return impl_->strides(); }
  int64_t size(int64_t d) const;
  int64_t dim() const { return impl_->dim(); }
  int64_t numel() const { return impl_->numel(); }
  ScalarType dtype() const { return impl_->dtype(); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  template <typename T>
  T* data() const {
    return static_cast<T*>(impl_->data());
  }

  // Autograd state (csrc/autograd/variable.cpp).
  bool requires_grad() const;

 private:
  intrusive_ptr<TensorImpl> impl_;
};

using tensor_list = std::vector<Tensor>;

// Wraps dim into [0, ndim) with PyTorch's IndexError text.
int64_t wrap_dim(int64_t dim, int64_t ndim);

}  // namespace bibun
