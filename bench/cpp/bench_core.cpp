// The core without Python, on Google Benchmark: what an op, a node and a kernel cost before any
// binding overhead. Compare with bench/compare.py (the same work through Python) to see how much of
// a Python-level figure is the binding. Built with -DBIBUN_BUILD_BENCH=ON (Debian: libbenchmark-dev).
#include <benchmark/benchmark.h>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/variable.h"
#include "ops/ops.h"

using namespace bibun;

namespace {

Tensor leaf(const DimVector& sizes, bool requires_grad) {
  Tensor t = ops::ones(sizes, ScalarType::Float32);
  set_requires_grad(t, requires_grad);
  return t;
}

void backward(const Tensor& root) {
  run_backward({root}, make_grad_roots({root}, {}), {}, BackwardOptions{});
}

// One add of two (2,2) tensors with graph recording: dispatch, allocation, node creation.
void BM_AddRecordsNode(benchmark::State& state) {
  Tensor a = leaf({2, 2}, true), b = leaf({2, 2}, false);
  for (auto _ : state) benchmark::DoNotOptimize(ops::add(a, b, Scalar(int64_t{1})));
}
BENCHMARK(BM_AddRecordsNode);

// The same add under no_grad: dispatch and allocation only.
void BM_AddNoGrad(benchmark::State& state) {
  Tensor a = leaf({2, 2}, true), b = leaf({2, 2}, false);
  AutoGradMode no_grad(false);
  for (auto _ : state) benchmark::DoNotOptimize(ops::add(a, b, Scalar(int64_t{1})));
}
BENCHMARK(BM_AddNoGrad);

// A tensor times a wrapped Python-style scalar, recorded: the path of `y * 0.5`.
void BM_MulScalarRecordsNode(benchmark::State& state) {
  Tensor a = leaf({2, 2}, true);
  for (auto _ : state) benchmark::DoNotOptimize(ops::mul(a, ops::wrapped_scalar(Scalar(0.5))));
}
BENCHMARK(BM_MulScalarRecordsNode);

// Backward through a chain of N muls (plus the sum): time per node, the graph built outside timing.
void BM_BackwardPerNode(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor x = leaf({2, 2}, true);
  for (auto _ : state) {
    state.PauseTiming();
    Tensor y = x;
    for (int64_t i = 0; i < n; ++i) y = ops::mul(y, ops::wrapped_scalar(Scalar(1.0000001)));
    Tensor root = ops::sum(y, {}, false, std::nullopt);
    y = Tensor();
    state.ResumeTiming();
    backward(root);
    state.PauseTiming();
    root = Tensor();  // teardown of the (already released) graph stays outside the timing
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * (n + 1));
}
BENCHMARK(BM_BackwardPerNode)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

// A deep chain end to end: forward with recording, backward, and freeing the graph.
void BM_DeepChain(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor x = leaf({2}, true);
  for (auto _ : state) {
    Tensor y = x;
    for (int64_t i = 0; i < n; ++i) y = ops::mul(y, ops::wrapped_scalar(Scalar(1.0000001)));
    backward(ops::sum(y, {}, false, std::nullopt));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_DeepChain)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(1);

// a * b + c on contiguous float32 of N elements (two kernels, one temporary), bytes touched per second.
void BM_ElementwiseMulAdd(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor a = leaf({n}, false), b = leaf({n}, false), c = leaf({n}, false);
  for (auto _ : state) benchmark::DoNotOptimize(ops::add(ops::mul(a, b), c, Scalar(int64_t{1})));
  state.SetBytesProcessed(state.iterations() * n * 4 * 6);  // mul: 2 reads + 1 write; add: the same
}
BENCHMARK(BM_ElementwiseMulAdd)->Arg(1 << 10)->Arg(1 << 20)->Arg(10000000)->Unit(benchmark::kMicrosecond);

// Square float32 matmul on OpenBLAS; FLOP/s as items per second.
void BM_Matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  Tensor a = ops::randn({n, n}, ScalarType::Float32), b = ops::randn({n, n}, ScalarType::Float32);
  for (auto _ : state) benchmark::DoNotOptimize(ops::mm(a, b));
  state.SetItemsProcessed(state.iterations() * 2 * n * n * n);
}
BENCHMARK(BM_Matmul)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
