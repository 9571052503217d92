#include "tensor/storage.h"

#include <cstdlib>
#include <new>

#include "tensor/error.h"

namespace bibun {

namespace {
constexpr size_t kAlignment = 64;
}

intrusive_ptr<Storage> Storage::allocate(size_t nbytes) {
  intrusive_ptr<Storage> s(new Storage());
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < nbytes) rounded = nbytes;  // overflow: let aligned_alloc fail below
  if (rounded > 0) {
    s->data_ = std::aligned_alloc(kAlignment, rounded);
    BIBUN_CHECK(s->data_ != nullptr, "DefaultCPUAllocator: not enough memory: you tried to allocate ",
                nbytes, " bytes.");
  }
  s->nbytes_ = nbytes;
  return s;
}

intrusive_ptr<Storage> Storage::borrow(void* data, size_t nbytes, std::function<void()> release) {
  intrusive_ptr<Storage> s(new Storage());
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->owned_ = false;
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (owned_) {
    std::free(data_);
  } else if (release_) {
    release_();
  }
}

}  // namespace bibun
