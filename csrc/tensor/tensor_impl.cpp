#include "tensor/tensor_impl.h"

#include <mutex>

#include "autograd/autograd_meta.h"
#include "tensor/error.h"

namespace bibun {

// Sizes come from users (bibun.empty(2**32, 2**32)): a product that overflows int64 must
// raise, not wrap to a small numel over a too-small storage.
DimVector contiguous_strides(const DimVector& sizes) {
  DimVector strides(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = s;
    if (i > 0) BIBUN_CHECK(!__builtin_mul_overflow(s, std::max<int64_t>(sizes[i], 1), &s), "Stride calculation overflowed");
  }
  return strides;
}

int64_t numel_of(const DimVector& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes)
    if (s == 0) return 0;
  for (int64_t s : sizes) BIBUN_CHECK(!__builtin_mul_overflow(n, s, &n), "numel: integer multiplication overflow");
  return n;
}

TensorImpl::TensorImpl(intrusive_ptr<Storage> storage, int64_t offset, DimVector sizes, DimVector strides,
                       ScalarType dtype)
    : storage_(std::move(storage)),
      offset_(offset),
      sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      dtype_(dtype) {
  refresh_metadata();
}

TensorImpl::~TensorImpl() = default;

void TensorImpl::refresh_metadata() {
  numel_ = numel_of(sizes_);
  // Contiguous in PyTorch's sense: dims of size 1 may have any stride.
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      contiguous = false;
      break;
    }
    expected *= sizes_[i];
  }
  is_contiguous_ = contiguous || numel_ == 0;
}

void TensorImpl::bump_version() { version_counter()->version.fetch_add(1, std::memory_order_relaxed); }

const intrusive_ptr<VersionCounter>& TensorImpl::version_counter() {
  // Created lazily, possibly by two threads at once (ops on large tensors release the GIL).
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (!version_) version_ = make_intrusive<VersionCounter>();
  return version_;
}

AutogradMeta& TensorImpl::ensure_autograd_meta() {
  if (!autograd_meta_) autograd_meta_.reset(new AutogradMeta());
  return *autograd_meta_;
}

void TensorImpl::set_data(const TensorImpl& other) {
  storage_ = other.storage_;
  offset_ = other.offset_;
  sizes_ = other.sizes_;
  strides_ = other.strides_;
  dtype_ = other.dtype_;
  refresh_metadata();
}

void TensorImpl::set_sizes_and_strides(DimVector sizes, DimVector strides, int64_t offset) {
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  offset_ = offset;
  refresh_metadata();
}

void AutogradMetaDeleter::operator()(AutogradMeta* m) const { delete m; }

}  // namespace bibun
