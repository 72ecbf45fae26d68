// Collects the field errors of one request, so that a client learns every broken rule at once
// (Failure::fields). A plain value, used by one request at a time.
#pragma once

#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/failure.h"
#include "security/rejection.h"

namespace vestibule::accounts {

class Checks {
 public:
  template <typename T>
  std::optional<T> take(std::string_view field, boost::system::result<T, security::Rejection> r) {
    if (r) return std::move(*r);
    errors_.push_back(FieldError{std::string(field), std::move(r.error().code), std::move(r.error().message)});
    return std::nullopt;
  }
  void required(std::string_view field, const std::optional<std::string>& value) {
    if (!value) errors_.push_back(FieldError{std::string(field), "required", "This field is required."});
  }
  void reject(std::string_view field, std::string code, std::string message) {
    errors_.push_back(FieldError{std::string(field), std::move(code), std::move(message)});
  }
  bool ok() const { return errors_.empty(); }
  Failure failure() && { return Failure{Code::validation_failed, std::move(errors_)}; }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace vestibule::accounts
