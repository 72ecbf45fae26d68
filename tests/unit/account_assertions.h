// Assertions on the results of the account rules (accounts/failure.h), shared by the tests of
// AccountService and MailFlows. Header-only.
#pragma once

#include <gtest/gtest.h>

#include "accounts/failure.h"

namespace vestibule::accounts {

// Whether `r` failed with exactly `expected`.
template <typename T>
::testing::AssertionResult fails_with(const Result<T>& r, Code expected) {
  if (r) return ::testing::AssertionFailure() << "succeeded";
  if (r.error().code != expected) {
    return ::testing::AssertionFailure() << "failed with code " << static_cast<int>(r.error().code) << ", expected "
                                         << static_cast<int>(expected);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace vestibule::accounts
