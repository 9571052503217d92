// Scalar: a Python number (bool, int or float) carried into the core without a tensor.
#pragma once
#include <cstdint>

#include "tensor/dtype.h"

namespace bibun {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };
  Scalar() : Scalar(int64_t{0}) {}
  explicit Scalar(bool v) : kind_(Kind::Bool), i_(v) {}
  explicit Scalar(int64_t v) : kind_(Kind::Int), i_(v) {}
  explicit Scalar(double v) : kind_(Kind::Float), d_(v) {}

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  double to_double() const { return kind_ == Kind::Float ? d_ : static_cast<double>(i_); }
  int64_t to_int() const { return kind_ == Kind::Float ? static_cast<int64_t>(d_) : i_; }
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == Kind::Float ? d_ != 0 : i_ != 0;
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(to_double());
    else return kind_ == Kind::Float ? static_cast<T>(d_) : static_cast<T>(i_);
  }
  // The dtype a wrapped number of this kind takes in type promotion.
  ScalarType wrapped_dtype() const {
    return kind_ == Kind::Float ? default_dtype() : kind_ == Kind::Int ? ScalarType::Int64 : ScalarType::Bool;
  }

 private:
  Kind kind_;
  union {
    int64_t i_;
    double d_;
  };
};

}  // namespace bibun
