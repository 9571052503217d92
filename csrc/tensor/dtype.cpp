#include "tensor/dtype.h"

namespace bibun {

const char* dtype_name(ScalarType t) {
  static const char* names[] = {"bool", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}

const char* legacy_type_name(ScalarType t) {
  static const char* names[] = {"BoolTensor", "IntTensor", "LongTensor", "FloatTensor", "DoubleTensor"};
  return names[static_cast<int>(t)];
}

const char* c_type_name(ScalarType t) {
  static const char* names[] = {"Bool", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(t)];
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  // Bool < Int32 < Int64 < Float32 < Float64 is a total order for the types bibun has,
  // and PyTorch's promotion table over them is the maximum.
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

namespace {
ScalarType g_default_dtype = ScalarType::Float32;
}

ScalarType default_dtype() { return g_default_dtype; }

void set_default_dtype(ScalarType t) {
  BIBUN_CHECK_T(TypeError, is_floating(t), "only floating-point types are supported as the default type");
  g_default_dtype = t;
}

}  // namespace bibun
