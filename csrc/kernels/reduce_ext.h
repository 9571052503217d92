// Reductions and scans along the trailing dim of a contiguous [rows, cols] buffer (reduce_ext.cpp).
// The ops of ops/reduction_ext.cpp move the reduced dims last first, so each kernel is one loop per row.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace bibun::kernels {

// `in` with `dims` moved last, as a contiguous buffer: rows = product of the kept sizes,
// cols = product of the reduced sizes (the input itself when already in that layout).
struct Rows {
  Tensor data;
  int64_t rows = 1;
  int64_t cols = 1;
};
Rows to_rows(const Tensor& in, const std::vector<int64_t>& dims);

enum class RowReduce { Prod, Amax, Amin, Max, Min, Var, Logsumexp, Median, NanSum, CountNonzero, Mode };
// One value per row into the contiguous `out` (Prod/NanSum: `in` already in out's dtype;
// CountNonzero: int64 out). Max/Min/Median/Mode also write the row position into `index` (int64) when
// defined; Var writes the mean there (out's dtype) when defined, and `arg` is its correction.
// NaN propagates (with its position) as in PyTorch.
void reduce_rows(RowReduce op, const Rows& in, const Tensor& out, const Tensor& index, double arg = 0.0);

enum class RowScan { Cumsum, Cumprod, Cummax, Cummin };
// Inclusive scans along each row into the contiguous [rows, cols] `out` (in out's dtype);
// Cummax/Cummin also write positions into `index`.
void scan_rows(RowScan op, const Rows& in, const Tensor& out, const Tensor& index);

}  // namespace bibun::kernels
