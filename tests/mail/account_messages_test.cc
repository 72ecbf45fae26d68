// The contract between the account rules and the mail layer: every message accounts/ queues
// (accounts/messages.h) composes with the built-in templates, carrying what its kind needs, its
// link and its lifetime in words. Both sides are real: the builders accounts/ calls and the
// Composer the courier uses.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "accounts/messages.h"
#include "mail/composer.h"

namespace vestibule::mail {
namespace {

using namespace std::chrono_literals;
namespace messages = accounts::messages;

const store::TimePoint kNow{1'800'000'000'000ms};
const std::string kToken = "qWf7es_SZdeVN3N1x3eY7BMtR1ex4OpGUPjtcV0baVk";

TEST(AccountMessages, EveryKindTheAccountRulesQueueComposesWithTheBuiltInTemplates) {
  MailOptions options;
  options.public_url = "https://accounts.example.com/";
  auto created = Composer::create(options);
  ASSERT_TRUE(created) << created.error();
  const Composer& composer = *created;
  const std::vector<store::OutboxMessage> all{
      messages::verify_email("ann@example.com", "Ann", kToken, 24h, kNow),
      messages::reset_password("ann@example.com", "Ann", kToken, 1h, kNow),
      messages::password_changed("ann@example.com", "Ann", kNow),
      messages::email_change_notice("ann@example.com", "Ann", "ann@new.example.com", kNow),
      messages::registration_attempt("ann@example.com", "Ann", kNow),
  };
  for (const store::OutboxMessage& m : all) {
    SCOPED_TRACE(m.kind);
    auto composed = composer.compose(m);
    ASSERT_TRUE(composed) << composed.error();
    EXPECT_EQ(composed->envelope.recipient, "ann@example.com");
  }
  auto verify = composer.compose(all[0]);
  ASSERT_TRUE(verify);
  EXPECT_NE(verify->message.find("Subject: Confirm your email address"), std::string::npos);
}

TEST(AccountMessages, LinksCarryTheTokenInTheFragmentAndTheLifetimeInWords) {
  auto loaded = Templates::load("");
  ASSERT_TRUE(loaded);
  const Templates& templates = *loaded;
  const store::OutboxMessage reset = messages::reset_password("ann@example.com", "Ann", kToken, 1h, kNow);
  auto rendered = templates.render(reset.kind, reset.params, reset.recipient, "https://accounts.example.com");
  ASSERT_TRUE(rendered);
  EXPECT_NE(rendered->text.find("https://accounts.example.com/reset-password#token=" + kToken), std::string::npos);
  EXPECT_NE(rendered->text.find("expires in 1 hour"), std::string::npos);
  const store::OutboxMessage verify = messages::verify_email("ann@example.com", "Ann", kToken, 24h, kNow);
  rendered = templates.render(verify.kind, verify.params, verify.recipient, "https://accounts.example.com");
  ASSERT_TRUE(rendered);
  EXPECT_NE(rendered->text.find("https://accounts.example.com/verify-email#token=" + kToken), std::string::npos);
  EXPECT_NE(rendered->text.find("expires in 24 hours"), std::string::npos);
}

}  // namespace
}  // namespace vestibule::mail
