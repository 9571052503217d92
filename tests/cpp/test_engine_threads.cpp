// Concurrent backward calls: each call owns its GraphTask (Note [Graph task]); grad mode is
// thread-local. Also built with ThreadSanitizer by .ci/run.
#include <atomic>
#include <thread>

#include "doctest/doctest.h"
#include "helpers.h"

using namespace bibun;
using namespace bibun::testing;

namespace {

constexpr int kThreads = 8;

template <typename F>
void run_threads(F&& body) {
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back([&body, i] { body(i); });
  for (auto& t : threads) t.join();
}

// y = sum((x * k + 1)^2 / 2) -> dy/dx = k * (x * k + 1)
Tensor small_graph(const Tensor& x, double k) {
  Tensor h = ops::add(ops::mul(x, scalar(k)), scalar(1.0), kOne);
  return sum_all(ops::div(ops::mul(h, h), scalar(2.0)));
}

}  // namespace

TEST_CASE("eight threads run backward on independent graphs and get the serial result") {
  std::vector<std::vector<double>> got(kThreads);
  run_threads([&](int i) {
    Tensor x = leaf({4, 3}, 0.5, ScalarType::Float64);
    for (int rep = 0; rep < 50; ++rep) backward(small_graph(x, i + 1));
    got[i] = values(grad_of(x));
  });
  for (int i = 0; i < kThreads; ++i) {
    double k = i + 1;
    for (double g : got[i]) CHECK(g == doctest::Approx(50 * k * (0.5 * k + 1)));
  }
}

TEST_CASE("eight threads accumulating into one shared leaf give the serial total") {
  Tensor w = leaf({3}, 1.0, ScalarType::Float64);
  constexpr int kReps = 40;
  run_threads([&](int i) {
    for (int rep = 0; rep < kReps; ++rep) backward(sum_all(ops::mul(w, scalar(i + 1.0))));
  });
  // sum over threads of kReps * (i + 1)
  CHECK(all_equal(grad_of(w), kReps * kThreads * (kThreads + 1) / 2.0));
}

TEST_CASE("a graph shared by threads with retain_graph gives every thread the same gradient") {
  Tensor x = leaf({5}, 2.0, ScalarType::Float64);
  Tensor y = small_graph(x, 3.0);
  std::vector<std::vector<double>> got(kThreads);
  run_threads([&](int i) {
    tensor_list g = run_backward({y}, make_grad_roots({y}, {}), {x}, BackwardOptions{true, false, false, false});
    got[i] = values(g[0]);
  });
  for (auto& v : got)
    for (double g : v) CHECK(g == doctest::Approx(3.0 * (2.0 * 3.0 + 1)));
}

TEST_CASE("grad mode is per thread") {
  std::atomic<int> recorded{0};
  std::atomic<int> not_recorded{0};
  run_threads([&](int i) {
    AutoGradMode mode(i % 2 == 0);
    Tensor x = leaf({2});
    for (int rep = 0; rep < 100; ++rep) {
      Tensor y = ops::mul(x, scalar(2.0));
      if (grad_fn(y)) ++recorded;
      else ++not_recorded;
      std::this_thread::yield();
    }
  });
  CHECK(recorded == 400);
  CHECK(not_recorded == 400);
  CHECK(GradMode::is_enabled());
}

TEST_CASE("graphs built on one thread run backward and are freed on another") {
  Tensor x = leaf({3}, 1.0, ScalarType::Float64);
  std::vector<Tensor> outs;
  for (int i = 0; i < kThreads; ++i) outs.push_back(small_graph(x, 1.0));
  std::vector<std::weak_ptr<Node>> nodes;
  for (auto& o : outs) nodes.push_back(grad_fn(o));
  run_threads([&](int i) {
    backward(outs[i]);
    outs[i] = Tensor();
  });
  for (auto& n : nodes) CHECK(n.expired());
  CHECK(all_equal(grad_of(x), kThreads * 2.0));
}
