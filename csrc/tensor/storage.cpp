#include "tensor/storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "tensor/error.h"

namespace bibun {

namespace {
constexpr size_t kAlignment = 64;

// Note [Small-buffer cache]
// Tiny tensors are the common case of autograd code (a backward over a 10^5-node chain allocates
// a 16-byte gradient per node), and glibc serves a 64-byte-aligned request off its slow path
// (memalign consolidates the fast bins: a third of such a backward went there). Buffers of up to
// 4 KiB therefore come from per-thread free lists, one per power-of-two size class from 64 B;
// a block freed on another thread joins that thread's list. Each list keeps at most kMaxCached
// blocks; the rest go back to the system. Sanitizer builds skip the cache so that use-after-free
// of a small buffer is still caught.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kSizeClasses = 0;
constexpr bool kCacheLarge = false;
#else
constexpr int kSizeClasses = 7;  // 64 B << k for k in [0, 7): up to 4 KiB
constexpr bool kCacheLarge = true;
#endif
constexpr size_t kMaxCached = 512;

// Note [Large-buffer cache]
// A buffer of megabytes comes from mmap, and the kernel zeroes each of its pages on first touch:
// elementwise work over fresh 40 MB buffers spends most of its time in page faults (PyTorch pays
// ~39,000 per step of `(a*b+c).sum().backward()` on 10^7 floats). Freed buffers of at least
// kLargeMin bytes are therefore kept, up to kLargeCacheBytes in all, and handed out again for a
// request of the same size class (sizes rounded up to a quarter power of two, so a reused block
// wastes under 25%). The cache is process-wide behind a mutex: the lock costs nothing next to
// touching a megabyte. When the system refuses an allocation the cache is emptied and it retries.
constexpr size_t kLargeMin = size_t{1} << 20;
constexpr size_t kLargeCacheBytes = size_t{1} << 30;

struct LargeBufferCache {
  std::mutex mutex;
  std::multimap<size_t, void*> blocks;  // rounded size -> block
  size_t bytes = 0;
};
LargeBufferCache& large_buffers() {
  static auto* cache = new LargeBufferCache();  // never destroyed: frees may come during exit
  return *cache;
}

// `rounded` up to the next of 2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k.
size_t large_class(size_t rounded) {
  size_t top = size_t{1} << (63 - __builtin_clzll(rounded));
  size_t step = top / 4;
  size_t up = (rounded + step - 1) / step * step;
  return up < rounded ? rounded : up;
}

// The size class of a buffer of `rounded` bytes (a multiple of kAlignment), or -1.
int size_class(size_t rounded) {
  for (int k = 0; k < kSizeClasses; ++k)
    if (rounded <= (kAlignment << k)) return k;
  return -1;
}

struct SmallBufferCache {
  std::vector<void*> free_lists[kSizeClasses > 0 ? kSizeClasses : 1];
  bool alive = true;  // false once the thread's cache is destroyed: later frees go to the system
  ~SmallBufferCache() {
    alive = false;
    for (auto& list : free_lists)
      for (void* p : list) std::free(p);
  }
};
thread_local SmallBufferCache t_small_buffers;

size_t round_up(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  return rounded < nbytes ? nbytes : rounded;  // overflow: let aligned_alloc fail
}

// BIBUN_NO_LARGE_BUFFER_CACHE=1 turns the cache off (to measure what it buys, or to hand memory
// back to the system at once).
bool large_cache_enabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("BIBUN_NO_LARGE_BUFFER_CACHE");
    return kCacheLarge && !(env && env[0] && env[0] != '0');
  }();
  return enabled;
}

bool is_large(size_t rounded) { return rounded >= kLargeMin && large_cache_enabled(); }

void* allocate_buffer(size_t nbytes) {
  size_t rounded = round_up(nbytes);
  int k = size_class(rounded);
  if (k >= 0) {
    auto& list = t_small_buffers.free_lists[k];
    if (t_small_buffers.alive && !list.empty()) {
      void* p = list.back();
      list.pop_back();
      return p;
    }
    rounded = kAlignment << k;  // a whole class-sized block, so it can be reused for the class
  }
  if (is_large(rounded)) {
    rounded = large_class(rounded);
    LargeBufferCache& cache = large_buffers();
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.blocks.find(rounded);
    if (it != cache.blocks.end()) {
      void* p = it->second;
      cache.blocks.erase(it);
      cache.bytes -= rounded;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p && is_large(rounded)) {
    LargeBufferCache& cache = large_buffers();
    {
      std::lock_guard<std::mutex> lock(cache.mutex);
      for (auto& [size, block] : cache.blocks) std::free(block);
      cache.blocks.clear();
      cache.bytes = 0;
    }
    p = std::aligned_alloc(kAlignment, rounded);
  }
  BIBUN_CHECK(p != nullptr, "DefaultCPUAllocator: not enough memory: you tried to allocate ", nbytes, " bytes.");
  return p;
}

void free_buffer(void* p, size_t nbytes) {
  size_t rounded = round_up(nbytes);
  int k = size_class(rounded);
  if (k >= 0 && t_small_buffers.alive) {
    auto& list = t_small_buffers.free_lists[k];
    if (list.size() < kMaxCached) {
      list.push_back(p);
      return;
    }
  }
  if (is_large(rounded)) {
    rounded = large_class(rounded);
    LargeBufferCache& cache = large_buffers();
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (cache.bytes + rounded <= kLargeCacheBytes) {
      cache.blocks.emplace(rounded, p);
      cache.bytes += rounded;
      return;
    }
  }
  std::free(p);
}

}  // namespace

intrusive_ptr<Storage> Storage::allocate(size_t nbytes) {
  intrusive_ptr<Storage> s(new Storage());
  if (nbytes > 0) s->data_ = allocate_buffer(nbytes);
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
    if (data_) free_buffer(data_, nbytes_);
  } else if (release_) {
    release_();
  }
}

}  // namespace bibun
