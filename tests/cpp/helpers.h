// Small helpers shared by the C++ core tests (tests/cpp/test_*.cpp).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "autograd/engine.h"
#include "autograd/variable.h"
#include "ops/ops.h"
#include "tensor/error.h"

namespace bibun::testing {

inline Tensor scalar(double v) { return ops::wrapped_scalar(Scalar(v)); }
inline const Scalar kOne(int64_t{1});

inline Tensor leaf(const DimVector& sizes, double value = 1.0, ScalarType dtype = ScalarType::Float32) {
  Tensor t = ops::full(sizes, Scalar(value), dtype);
  set_requires_grad(t, true);
  return t;
}

inline Tensor sum_all(const Tensor& t) { return ops::sum(t, {}, false, std::nullopt); }

inline void backward(const Tensor& root, bool keep_graph = false, bool create_graph = false) {
  run_backward({root}, make_grad_roots({root}, {}), {}, BackwardOptions{keep_graph, create_graph, true, false});
}

inline const Tensor& grad_of(const Tensor& t) { return t->autograd_meta()->grad; }

// Values of a float32/float64 tensor in logical (row-major) order, any strides.
inline std::vector<double> values(const Tensor& t) {
  Tensor c = ops::contiguous(ops::to_dtype(t, ScalarType::Float64));
  const double* d = c.data<double>();
  return std::vector<double>(d, d + c.numel());
}

inline bool all_equal(const Tensor& t, double v, double tol = 1e-6) {
  for (double x : values(t))
    if (std::fabs(x - v) > tol) return false;
  return true;
}

// The message of the bibun::Error `f` throws, or "" if it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace bibun::testing
