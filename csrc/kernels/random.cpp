// bibun's random generator: a 64-bit Mersenne Twister seeded by manual_seed; uniform, integer and
// normal (Box-Muller) samples written here so values do not depend on the C++ library.
#include <cmath>
#include <limits>
#include <mutex>
#include <random>

#include "kernels/fill_kernels.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"

namespace bibun::kernels {

namespace {
constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // PyTorch's default_rng_seed_val
std::mutex g_mutex;
std::mt19937_64 g_engine(kDefaultSeed);
uint64_t g_seed = kDefaultSeed;

double uniform01(std::mt19937_64& e) {
  // 53 random bits -> [0, 1)
  return static_cast<double>(e() >> 11) * (1.0 / 9007199254740992.0);
}
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_engine.seed(seed);
  g_seed = seed;
}

uint64_t initial_seed() { return g_seed; }

void randn(const Tensor& out) {
  BIBUN_ASSERT(out.is_contiguous());
  std::lock_guard<std::mutex> lock(g_mutex);
  dispatch_floating(out.dtype(), "normal_kernel_cpu", [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; i += 2) {
      double u1 = 1.0 - uniform01(g_engine);  // (0, 1]
      double u2 = uniform01(g_engine);
      double r = std::sqrt(-2.0 * std::log(u1));
      o[i] = static_cast<T>(r * std::cos(2.0 * M_PI * u2));
      if (i + 1 < n) o[i + 1] = static_cast<T>(r * std::sin(2.0 * M_PI * u2));
    }
  });
}

void rand(const Tensor& out) {
  BIBUN_ASSERT(out.is_contiguous());
  std::lock_guard<std::mutex> lock(g_mutex);
  dispatch_floating(out.dtype(), "check_uniform_bounds", [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    // As many random bits as the mantissa holds, so that rounding never reaches 1.
    constexpr int kBits = std::numeric_limits<T>::digits;
    constexpr T kScale = static_cast<T>(1.0 / static_cast<double>(uint64_t{1} << kBits));
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(g_engine() >> (64 - kBits)) * kScale;
  });
}

void randint(const Tensor& out, int64_t low, int64_t high) {
  BIBUN_ASSERT(out.is_contiguous());
  BIBUN_ASSERT(low < high);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  // Rejection sampling keeps every value equally likely: draws at or above `limit` are redrawn.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % range;
  std::lock_guard<std::mutex> lock(g_mutex);
  dispatch_all(out.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) {
      uint64_t r;
      do r = g_engine();
      while (r >= limit);
      o[i] = static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + r % range));
    }
  });
}

int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace bibun::kernels
