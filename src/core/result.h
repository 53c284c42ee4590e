#pragma once
// Errors as values for the core: no exceptions cross the core's API.

#include <string>
#include <utility>
#include <variant>

namespace ink::core {

enum class ErrorCode {
  kInvalidArgument,  // malformed input (bad hex, bad clock string, bad CBOR, ...)
  kLimitExceeded,    // input over a size, depth or count limit
  kVerifyFailed,     // a proof or signature does not check out (see message)
  kNotFound,         // a node reader has no such node
  kInternal,         // OpenSSL or another library failed unexpectedly
};

struct Error {
  ErrorCode code;
  std::string message;
};

// A value or an Error. Small on purpose: the core only needs ok(), value(), error().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace ink::core
