// TensorImpl: a strided view of a Storage with a dtype, a version counter and, only for
// tensors that take part in autograd, an AutogradMeta.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "tensor/dim_vector.h"
#include "tensor/dtype.h"
#include "tensor/intrusive_ptr.h"
#include "tensor/storage.h"

namespace bibun {

struct AutogradMeta;  // csrc/autograd/autograd_meta.h
struct AutogradMetaDeleter {
  void operator()(AutogradMeta* m) const;
};

// Note [Version counter]
// Every in-place op bumps the counter of the tensor it writes. The counter is shared by a
// tensor, its views and its detach()es, so a SavedTensor that recorded version v notices a
// write through any of them. `.data` and two tensors wrapping the same external memory get
// counters of their own (as in PyTorch). The counter is created lazily: a tensor that was
// never shared nor written in place pays no allocation for it.
struct VersionCounter : RefCounted {
  std::atomic<uint32_t> version{0};
};

class TensorImpl : public RefCounted {
 public:
  TensorImpl(intrusive_ptr<Storage> storage, int64_t offset, DimVector sizes, DimVector strides,
             ScalarType dtype);
  // A new contiguous tensor (ops::empty): `strides` are sizes' contiguous strides and `numel`
  // their product, so the layout scan is skipped.
  struct Contiguous {};
  TensorImpl(Contiguous, intrusive_ptr<Storage> storage, DimVector sizes, DimVector strides, ScalarType dtype,
             int64_t numel)
      : storage_(std::move(storage)),
        offset_(0),
        sizes_(std::move(sizes)),
        strides_(std::move(strides)),
        numel_(numel),
        dtype_(dtype) {}
  ~TensorImpl() override;

  const intrusive_ptr<Storage>& storage() const { return storage_; }
  int64_t offset() const { return offset_; }
  const DimVector& sizes() const { return sizes_; }
  const DimVector& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  ScalarType dtype() const { return dtype_; }
  bool is_contiguous() const { return is_contiguous_; }
  void* data() const {
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize(dtype_));
  }

  // A Python number turned into a 0-d tensor for an op; it takes the lowest priority in
  // type promotion (PyTorch's "wrapped number").
  bool is_wrapped_number() const { return wrapped_number_; }
  void set_wrapped_number(bool v) { wrapped_number_ = v; }

  // A view (expand, t, select, ...) aliases the memory of its base: the root tensor that
  // owns the layout the view was cut from (never itself a view). In-place ops on a view
  // rewrite the base's autograd history (Note [In-place on views] in autograd/variable.cpp).
  bool is_view() const { return static_cast<bool>(view_base_); }
  const intrusive_ptr<TensorImpl>& view_base() const { return view_base_; }
  void set_view_base(intrusive_ptr<TensorImpl> base) { view_base_ = std::move(base); }

  uint32_t version() const { return version_ ? version_->version.load(std::memory_order_relaxed) : 0; }
  void bump_version();
  // The shared counter (created on first use), for views and detach().
  const intrusive_ptr<VersionCounter>& version_counter();
  void set_version_counter(intrusive_ptr<VersionCounter> vc) { version_ = std::move(vc); }

  AutogradMeta* autograd_meta() const { return autograd_meta_.get(); }
  AutogradMeta& ensure_autograd_meta();
  void clear_autograd_meta() { autograd_meta_.reset(); }

  // Replaces shape and storage (used by in-place ops such as `.data = ...`).
  void set_data(const TensorImpl& other);
  void set_sizes_and_strides(DimVector sizes, DimVector strides, int64_t offset);

 private:
  void refresh_metadata();

  intrusive_ptr<Storage> storage_;
  int64_t offset_;
  DimVector sizes_;
  DimVector strides_;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
  bool wrapped_number_ = false;
  intrusive_ptr<VersionCounter> version_;
  intrusive_ptr<TensorImpl> view_base_;
  std::unique_ptr<AutogradMeta, AutogradMetaDeleter> autograd_meta_;
};

DimVector contiguous_strides(const DimVector& sizes);
int64_t numel_of(const DimVector& sizes);

}  // namespace bibun
