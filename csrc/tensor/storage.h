// Storage: one refcounted buffer shared by a tensor and its views. Either owned (64-byte
// aligned, freed with the storage) or borrowed from an owner kept alive until the storage dies.
#pragma once
#include <cstddef>
#include <functional>

#include "tensor/intrusive_ptr.h"

namespace bibun {

class Storage : public RefCounted {
 public:
  // Allocates nbytes (uninitialised). Throws bibun::Error when memory is exhausted.
  static intrusive_ptr<Storage> allocate(size_t nbytes);
  // Wraps memory owned by someone else; `release` runs when the storage dies.
  static intrusive_ptr<Storage> borrow(void* data, size_t nbytes, std::function<void()> release);

  ~Storage() override;
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  Storage() = default;
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  bool owned_ = true;
  std::function<void()> release_;
};

}  // namespace bibun
