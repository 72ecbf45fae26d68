// What each answer of POST /admin/v1/users means for the import.
#include "import/outcome.h"

#include <gtest/gtest.h>

namespace vestibule::import {
namespace {

constexpr std::string_view kIdTaken = R"({"type":"about:blank","status":409,"code":"id_taken","title":"t"})";
constexpr std::string_view kEmailTaken = R"({"status":409,"code":"email_taken","title":"t"})";

TEST(OutcomeTest, CreatedIsImported) { EXPECT_EQ(classify(201, "{}", false).verdict, Verdict::imported); }

TEST(OutcomeTest, ATakenIdIsAlreadyThere) {
  EXPECT_EQ(classify(409, kIdTaken, true).verdict, Verdict::skipped);
  EXPECT_EQ(classify(409, kIdTaken, false).verdict, Verdict::skipped);
}

TEST(OutcomeTest, ATakenEmailIsAlreadyThereOnlyForALineWithoutId) {
  EXPECT_EQ(classify(409, kEmailTaken, false).verdict, Verdict::skipped);
  const Outcome o = classify(409, kEmailTaken, true);
  EXPECT_EQ(o.verdict, Verdict::rejected);
  EXPECT_EQ(o.reason, "409 email_taken (the address belongs to another account)");
}

TEST(OutcomeTest, AValidationFailureNamesTheFieldsAndTheirCodesButNotTheMessages) {
  const Outcome o = classify(422,
                             R"({"status":422,"code":"validation_failed","errors":[)"
                             R"({"field":"email","code":"invalid_email","message":"m1 $2b$04$x"},)"
                             R"({"field":"password_hash","code":"unsupported_hash","message":"m2"}]})",
                             false);
  EXPECT_EQ(o.verdict, Verdict::rejected);
  EXPECT_EQ(o.reason, "422 validation_failed (email: invalid_email, password_hash: unsupported_hash)");
}

TEST(OutcomeTest, AMalformedRequestIsRejectedWithItsCode) {
  const Outcome o = classify(400, R"({"status":400,"code":"malformed_request"})", false);
  EXPECT_EQ(o.verdict, Verdict::rejected);
  EXPECT_EQ(o.reason, "400 malformed_request");
}

TEST(OutcomeTest, AnotherConflictIsRejected) {
  const Outcome o = classify(409, R"({"code":"something_else"})", true);
  EXPECT_EQ(o.verdict, Verdict::rejected);
  EXPECT_EQ(o.reason, "409 something_else");
}

TEST(OutcomeTest, UnauthorizedStopsTheRun) {
  const Outcome o = classify(401, R"({"code":"invalid_token"})", false);
  EXPECT_EQ(o.verdict, Verdict::unauthorized);
  EXPECT_EQ(o.reason, "401 invalid_token");
}

TEST(OutcomeTest, ServerErrorsAndThrottlingAreRetried) {
  EXPECT_EQ(classify(500, "", false).verdict, Verdict::retry);
  EXPECT_EQ(classify(503, R"({"code":"unavailable"})", false).reason, "503 unavailable");
  EXPECT_EQ(classify(429, "", false).verdict, Verdict::retry);
}

TEST(OutcomeTest, AnAnswerThatIsNotAProblemIsRejectedWithItsStatus) {
  const Outcome o = classify(404, "<html>nope</html>", false);
  EXPECT_EQ(o.verdict, Verdict::rejected);
  EXPECT_EQ(o.reason, "404");
}

}  // namespace
}  // namespace vestibule::import
