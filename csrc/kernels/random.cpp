// bibun's random generator: a 64-bit Mersenne Twister seeded by manual_seed, normal samples
// by the Box-Muller transform (written here so values do not depend on the C++ library).
#include <cmath>
#include <mutex>
#include <random>

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
  dispatch_floating(out.dtype(), "normal_", [&]<typename T>() {
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

int get_num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace bibun::kernels
