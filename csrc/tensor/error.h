// Error types of the core and the two check macros: BIBUN_CHECK for user errors
// (PyTorch's wording, become Python exceptions), BIBUN_ASSERT for internal invariants.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace bibun {

class Error : public std::runtime_error {  // -> RuntimeError
 public:
  using std::runtime_error::runtime_error;
};
class TypeError : public Error {  // -> TypeError
 public:
  using Error::Error;
};
class IndexError : public Error {  // -> IndexError
 public:
  using Error::Error;
};
class ValueError : public Error {  // -> ValueError
 public:
  using Error::Error;
};
class NotImplementedError : public Error {  // -> NotImplementedError
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace bibun

#define BIBUN_CHECK_T(ErrType, cond, ...)                                  \
  do {                                                                     \
    if (!(cond)) [[unlikely]] {                                            \
      throw ::bibun::ErrType(::bibun::detail::str_cat(__VA_ARGS__));       \
    }                                                                      \
  } while (0)

#define BIBUN_CHECK(cond, ...) BIBUN_CHECK_T(Error, cond, __VA_ARGS__)

#define BIBUN_ASSERT(cond)                                                         \
  do {                                                                             \
    if (!(cond)) [[unlikely]] {                                                    \
      throw ::bibun::Error(::bibun::detail::str_cat(                               \
          "bibun internal assert failed: " #cond " at ", __FILE__, ":", __LINE__)); \
    }                                                                              \
  } while (0)
