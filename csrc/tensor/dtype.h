// Scalar types, their C++ types, PyTorch's type promotion and a dispatch helper.
#pragma once
#include <cstdint>
#include <string>

#include "tensor/error.h"

namespace bibun {

enum class ScalarType : int8_t { Bool = 0, Int32 = 1, Int64 = 2, Float32 = 3, Float64 = 4 };
constexpr int kNumScalarTypes = 5;

// Inline: every kernel plan and every new tensor asks.
constexpr size_t itemsize(ScalarType t) {
  constexpr size_t sizes[kNumScalarTypes] = {1, 4, 8, 4, 8};
  return sizes[static_cast<int>(t)];
}
const char* dtype_name(ScalarType t);         // "float32"
const char* legacy_type_name(ScalarType t);   // "FloatTensor", as PyTorch's error texts print it
const char* c_type_name(ScalarType t);        // "float", as PyTorch's dtype-mismatch texts print it
inline bool is_floating(ScalarType t) { return t == ScalarType::Float32 || t == ScalarType::Float64; }
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 || (include_bool && t == ScalarType::Bool);
}
ScalarType promote_types(ScalarType a, ScalarType b);

// Default dtype for float data (torch.get_default_dtype()).
ScalarType default_dtype();
void set_default_dtype(ScalarType t);

template <ScalarType> struct CType;
template <> struct CType<ScalarType::Bool> { using type = bool; };
template <> struct CType<ScalarType::Int32> { using type = int32_t; };
template <> struct CType<ScalarType::Int64> { using type = int64_t; };
template <> struct CType<ScalarType::Float32> { using type = float; };
template <> struct CType<ScalarType::Float64> { using type = double; };

template <typename T> constexpr ScalarType scalar_type_of();
template <> constexpr ScalarType scalar_type_of<bool>() { return ScalarType::Bool; }
template <> constexpr ScalarType scalar_type_of<int32_t>() { return ScalarType::Int32; }
template <> constexpr ScalarType scalar_type_of<int64_t>() { return ScalarType::Int64; }
template <> constexpr ScalarType scalar_type_of<float>() { return ScalarType::Float32; }
template <> constexpr ScalarType scalar_type_of<double>() { return ScalarType::Float64; }

// Calls f.template operator()<T>() with T the C++ type of `t`.
template <typename F>
decltype(auto) dispatch_all(ScalarType t, F&& f) {
  switch (t) {
    case ScalarType::Bool: return f.template operator()<bool>();
    case ScalarType::Int32: return f.template operator()<int32_t>();
    case ScalarType::Int64: return f.template operator()<int64_t>();
    case ScalarType::Float32: return f.template operator()<float>();
    case ScalarType::Float64: return f.template operator()<double>();
  }
  throw Error("unknown dtype");
}

template <typename F>
decltype(auto) dispatch_floating(ScalarType t, const char* op, F&& f) {
  switch (t) {
    case ScalarType::Float32: return f.template operator()<float>();
    case ScalarType::Float64: return f.template operator()<double>();
    default: break;
  }
  throw NotImplementedError(detail::str_cat("\"", op, "\" not implemented for '", c_type_name(t), "'"));
}

// Accumulation type of sums: double for floats, int64 for integers.
template <typename T> struct AccType { using type = int64_t; };
template <> struct AccType<float> { using type = double; };
template <> struct AccType<double> { using type = double; };

}  // namespace bibun
