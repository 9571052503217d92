// The C++ core without Python: build a graph, run backward, check gradients and errors.
// Built with -DBIBUN_BUILD_TESTS=ON and run by .ci/run.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "autograd/engine.h"
#include "autograd/variable.h"
#include "ops/ops.h"

using namespace bibun;

namespace {

int g_failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++g_failures;
}

bool all_close(const Tensor& t, float value) {
  const float* d = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (std::fabs(d[i] - value) > 1e-6f) return false;
  return true;
}

Tensor scalar(double v) { return ops::wrapped_scalar(Scalar(v)); }
const Scalar kOne(int64_t{1});

void backward(const Tensor& root, bool keep_graph = false) {
  run_backward({root}, make_grad_roots({root}, {}), {}, BackwardOptions{keep_graph, false, true, false});
}

void test_seed_graph() {
  // x = ones(2, 2, requires_grad); out = mean(3 * (x + 2)^2)  ->  d out / dx = 4.5
  Tensor x = ops::ones({2, 2}, ScalarType::Float32);
  set_requires_grad(x, true);
  Tensor y = ops::add(x, scalar(2.0), kOne);
  Tensor z = ops::mul(ops::mul(y, y), scalar(3.0));
  Tensor out = ops::mean(z, {}, false, std::nullopt);
  expect(grad_fn(out) && grad_fn(out)->name() == "MeanBackward0", "mean records MeanBackward0");
  backward(out);
  const Tensor& g = x->autograd_meta()->grad;
  expect(g.defined() && g.sizes() == DimVector{2, 2} && all_close(g, 4.5f), "seed graph gradient is 4.5");
  bool threw = false;
  try {
    backward(out);
  } catch (const Error& e) {
    threw = std::string(e.what()).rfind("Trying to backward through the graph a second time", 0) == 0;
  }
  expect(threw, "second backward without retain_graph raises");
}

void test_broadcast_gradient_shape() {
  Tensor a = ops::ones({3, 1}, ScalarType::Float32);
  Tensor b = ops::ones({4}, ScalarType::Float32);
  set_requires_grad(a, true);
  set_requires_grad(b, true);
  backward(ops::sum(ops::mul(a, b), {}, false, std::nullopt));
  expect(a->autograd_meta()->grad.sizes() == DimVector{3, 1} && all_close(a->autograd_meta()->grad, 4.f),
         "broadcast input a gets a [3, 1] gradient of 4");
  expect(b->autograd_meta()->grad.sizes() == DimVector{4} && all_close(b->autograd_meta()->grad, 3.f),
         "broadcast input b gets a [4] gradient of 3");
}

void test_deep_chain() {
  Tensor x = ops::ones({2}, ScalarType::Float32);
  set_requires_grad(x, true);
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = ops::add(y, scalar(0.0), kOne);
  backward(ops::sum(y, {}, false, std::nullopt));
  expect(all_close(x->autograd_meta()->grad, 1.f), "200,000-op chain runs backward");
  y = Tensor();  // frees the chain without recursion (Note [Iterative node teardown])
  expect(true, "200,000-op chain is freed");
}

void test_saved_tensor_version_check() {
  Tensor x = ops::ones({3}, ScalarType::Float32);
  set_requires_grad(x, true);
  Tensor y = ops::exp(x);
  Tensor z = ops::mul(y, y);
  ops::add_(y, scalar(1.0), kOne);
  bool threw = false;
  try {
    backward(ops::sum(z, {}, false, std::nullopt));
  } catch (const Error& e) {
    threw = std::string(e.what()).find("modified by an inplace operation") != std::string::npos;
  }
  expect(threw, "a saved tensor modified in place is detected");
}

}  // namespace

int main() {
  test_seed_graph();
  test_broadcast_gradient_shape();
  test_deep_chain();
  test_saved_tensor_version_check();
  std::printf("%s\n", g_failures ? "C++ core tests FAILED" : "C++ core tests passed");
  return g_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
