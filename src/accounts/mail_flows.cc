#include "accounts/mail_flows.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accounts/checks.h"
#include "accounts/messages.h"
#include "security/email.h"
#include "security/tokens.h"
#include "util/logfmt.h"

namespace vestibule::accounts {
namespace {

using store::TokenPurpose;

// Mail limit groups: each kind of requested mail has its own budget per account.
constexpr std::string_view kResetGroup = "reset";
constexpr std::string_view kVerifyGroup = "verify";
constexpr std::string_view kRegistrationGroup = "registration";

Failure from_store(store::Error e) {
  return fail(e == store::Error::unavailable ? Code::store_unavailable : Code::invalid_token);
}

}  // namespace

MailFlows::MailFlows(store::Store& store, security::PasswordHasher& hasher, const ServiceOptions& options,
                     ClockFn clock, std::shared_ptr<spdlog::logger> audit, MailQueued mail_queued, Throttle& throttle)
    : store_(store),
      hasher_(hasher),
      options_(options),
      clock_(std::move(clock)),
      audit_(std::move(audit)),
      mail_queued_(std::move(mail_queued)),
      throttle_(throttle) {}

void MailFlows::queued() const {
  if (mail_queued_) mail_queued_();
}

void MailFlows::refused(std::string_view event, const RequestContext& request, const Failure& f,
                        std::string_view account_id) const {
  if (f.code != Code::too_many_attempts) return;  // store or pool trouble: not an account event
  audit_->info("event={} account_id={} request_id={} reason=throttled limit={} client={}", event, account_id,
               request.logged_id(), f.limit, util::logfmt_value(request.client));
}

Failure MailFlows::bad_link(std::string_view event, const RequestContext& request, std::string_view account_id) const {
  audit_->info("event={} account_id={} request_id={} reason=invalid_link_token", event, account_id, request.logged_id());
  return fail(Code::invalid_link_token);
}

Task<Result<void>> MailFlows::request_password_reset(std::optional<std::string> email, RequestContext request) {
  Checks checks;
  checks.required("email", email);
  std::optional<security::Email> address = email ? checks.take("email", security::validate_email(*email)) : std::nullopt;
  if (!checks.ok()) co_return std::move(checks).failure();
  auto admitted = co_await throttle_.admit_mail_request(request.client);
  if (!admitted) {
    refused("password_reset.request_failed", request, admitted.error());
    co_return admitted.error();
  }

  // Before the answer, one store round trip that is the same for every address: a store that
  // cannot be reached fails every request alike. The lookup and whatever else a known address
  // costs (the mail limits, the token, the message) happen after the answer, so the time to
  // answer does not tell whether the address has an account (a lookup here answered known
  // addresses 10-50 us later on Redis: the account's hash read and parsed).
  auto reachable = co_await store_.ping();
  if (!reachable) co_return from_store(reachable.error());
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(executor, queue_reset(BackgroundJob(background_), std::move(address->key), std::move(request)),
                        boost::asio::detached);
  co_return Result<void>{};
}

Task<void> MailFlows::queue_reset(BackgroundJob, std::string email_key, RequestContext request) {
  // co_spawn starts this inline; the post lets the request answer (and its write begin) first.
  const auto executor = co_await boost::asio::this_coro::executor;
  co_await boost::asio::post(executor, boost::asio::use_awaitable);
  auto found = co_await store_.find_account_by_email(email_key);
  if (!found && found.error() != store::Error::not_found) {
    // Whether the address has an account is not known: nothing of it is logged.
    audit_->warn("event=password_reset.not_queued account_id=- request_id={} reason=store_unavailable",
                 request.logged_id());
    co_return;
  }
  // The limit is counted per address, for unknown addresses too: the work after the answer is
  // then the same for both (one counter write) but for the one message a minute to a real one.
  auto admitted = co_await throttle_.admit_mail(email_key, kResetGroup);
  if (!found || !admitted || !*admitted) {
    if (found && !admitted) {
      audit_->warn("event=password_reset.not_queued account_id={} request_id={} reason=store_unavailable",
                   found->id, request.logged_id());
    } else if (found) {
      audit_->info("event=password_reset.not_queued account_id={} request_id={} reason=mail_limit", found->id,
                   request.logged_id());
    }
    co_return;
  }
  const store::Account& account = *found;
  if (account.disabled) {
    // An operator shut the account: no way back in by mail either (the answer was the same).
    audit_->info("event=password_reset.not_queued account_id={} request_id={} reason=account_disabled",
                 account.id, request.logged_id());
    co_return;
  }
  const TimePoint now = clock_();
  messages::IssuedFlowToken issued = messages::issue_flow_token(TokenPurpose::password_reset, account.id,
                                                                account.email, now, options_.reset_token_ttl);
  store::Effects effects;
  effects.mail.push_back(messages::reset_password(account.email, account.name, issued.token, options_.reset_token_ttl, now));
  effects.token = std::move(issued.record);
  auto stored = co_await store_.add_effects(account.id, std::move(effects));
  if (!stored) {
    audit_->warn("event=password_reset.not_queued account_id={} request_id={} reason={}", account.id,
                 request.logged_id(), stored.error() == store::Error::unavailable ? "store_unavailable" : "account_gone");
    co_return;
  }
  audit_->info("event=password_reset.requested account_id={} request_id={}", account.id, request.logged_id());
  queued();
}

Task<Result<void>> MailFlows::reset_password(std::optional<std::string> token, std::optional<std::string> password,
                                             RequestContext request) {
  Checks checks;
  checks.required("token", token);
  checks.required("password", password);
  if (!checks.ok()) co_return std::move(checks).failure();
  std::optional<std::string> digest = security::token_digest(*token);
  if (!digest) co_return bad_link("password_reset.failed", request, "-");

  const TimePoint now = clock_();
  auto holder = co_await store_.find_token(*digest, TokenPurpose::password_reset, now);
  if (!holder && holder.error() == store::Error::not_found) co_return bad_link("password_reset.failed", request, "-");
  if (!holder) co_return from_store(holder.error());
  const store::Account& account = holder->account;
  // A link sent to an address the account has given up since (the request raced an address
  // change) must not reset it: whoever holds the old mailbox is not the owner any more.
  if (security::email_key(holder->token.email) != account.email_key) {
    co_return bad_link("password_reset.failed", request, account.id);
  }
  // Disabling drops the account's links, so this is a link that raced it: no way back in.
  if (account.disabled) co_return bad_link("password_reset.failed", request, account.id);

  // The rules before the token is spent: a refused password leaves the link usable.
  const security::PasswordContext context{account.email, account.name};
  std::optional<std::string> accepted = checks.take("password", options_.password_policy.check(*password, context));
  if (!checks.ok()) co_return std::move(checks).failure();
  auto hash = co_await hasher_.hash(std::move(*accepted));
  if (!hash) co_return fail(Code::overloaded);

  store::AccountChanges changes;
  changes.password_hash = std::move(*hash);
  changes.updated_at = clock_();
  // Whoever held a session may be who the owner is locking out.
  changes.revoke_all_sessions = true;
  // The other reset links, and sign-ins waiting for their second factor: whoever got that far
  // with the old password must start again.
  changes.drop_tokens = {TokenPurpose::password_reset, TokenPurpose::mfa_login};
  // The link reached the account's address, which proves it.
  changes.email_verified = true;
  changes.effects.mail.push_back(messages::password_changed(account.email, account.name, changes.updated_at));
  auto updated = co_await store_.redeem_token(*digest, TokenPurpose::password_reset, now, std::move(changes));
  if (!updated) {
    co_return updated.error() == store::Error::not_found ? fail(Code::invalid_link_token) : from_store(updated.error());
  }
  // Best effort: the reset stands even if the count cannot be forgotten now (it expires). Not
  // with a second factor: a mailbox is not one, and the count of failed codes must survive.
  if (!updated->totp_enabled()) co_await throttle_.forget_failures(updated->email_key);
  audit_->info("event=password.reset account_id={} request_id={}", updated->id, request.logged_id());
  queued();
  co_return Result<void>{};
}

Task<Result<User>> MailFlows::verify_email(std::optional<std::string> token, RequestContext request) {
  Checks checks;
  checks.required("token", token);
  if (!checks.ok()) co_return std::move(checks).failure();
  std::optional<std::string> digest = security::token_digest(*token);
  if (!digest) co_return bad_link("email.verification_failed", request, "-");

  const TimePoint now = clock_();
  auto holder = co_await store_.find_token(*digest, TokenPurpose::email_verification, now);
  if (!holder && holder.error() == store::Error::not_found) {
    co_return bad_link("email.verification_failed", request, "-");
  }
  if (!holder) co_return from_store(holder.error());
  const store::Account& account = holder->account;
  const std::string& proven = holder->token.email;

  store::AccountChanges changes;
  changes.updated_at = clock_();
  changes.email_verified = true;
  changes.drop_tokens = {TokenPurpose::email_verification};
  bool moved = false;
  // By key: another spelling of the same address proves it as well.
  const std::string proven_key = security::email_key(proven);
  if (!account.pending_email.empty() && proven_key == account.pending_email_key) {
    // The pending address is proven: it takes over, unless someone took it meanwhile.
    changes.email = account.pending_email;
    changes.email_key = account.pending_email_key;
    changes.pending_email = "";
    changes.pending_email_key = "";
    changes.drop_tokens.push_back(TokenPurpose::password_reset);  // links sent to the old address
    moved = true;
  } else if (proven_key != account.email_key) {
    co_return bad_link("email.verification_failed", request, account.id);  // an address it no longer has
  }
  auto updated = co_await store_.redeem_token(*digest, TokenPurpose::email_verification, now, std::move(changes));
  if (!updated) {
    if (updated.error() == store::Error::email_taken) co_return fail(Code::email_taken);
    co_return updated.error() == store::Error::not_found ? fail(Code::invalid_link_token) : from_store(updated.error());
  }
  audit_->info("event=email.verified account_id={} request_id={} changed={}", updated->id, request.logged_id(), moved);
  co_return user_of(*updated);
}

Task<Result<void>> MailFlows::resend_verification(const Principal& p) {
  const User& user = p.user();
  const std::string& address = !user.pending_email.empty() ? user.pending_email : user.email;
  if (user.pending_email.empty() && user.email_verified) co_return fail(Code::already_verified);
  auto admitted = co_await throttle_.admit_mail_request(p.request().client);
  if (!admitted) {
    refused("verification.resend_failed", p.request(), admitted.error(), user.id);
    co_return admitted.error();
  }
  auto sent = co_await send_verification(user.id, user.name, address, p.request());
  if (!sent) co_return sent.error();
  co_return Result<void>{};
}

Task<Result<bool>> MailFlows::send_verification(std::string account_id, std::string name, std::string address,
                                                const RequestContext& request) {
  auto admitted = co_await throttle_.admit_mail(account_id, kVerifyGroup);
  if (!admitted) co_return admitted.error();
  if (!*admitted) {
    audit_->info("event=verification.not_queued account_id={} request_id={} reason=mail_limit", account_id,
                 request.logged_id());
    co_return false;
  }
  const TimePoint now = clock_();
  const std::chrono::seconds ttl = options_.verification_token_ttl;
  messages::IssuedFlowToken issued =
      messages::issue_flow_token(TokenPurpose::email_verification, account_id, address, now, ttl);
  store::Effects effects;
  effects.mail.push_back(messages::verify_email(address, name, issued.token, ttl, now));
  effects.token = std::move(issued.record);
  auto stored = co_await store_.add_effects(account_id, std::move(effects));
  if (!stored) co_return from_store(stored.error());
  audit_->info("event=verification.sent account_id={} request_id={}", account_id, request.logged_id());
  queued();
  co_return true;
}

Task<void> MailFlows::registration_attempted(store::Account owner, RequestContext request) {
  // They may have forgotten they have an account; within the mail limits, so that nobody can
  // flood an inbox by registering its address over and over. The limit's counter is written
  // before the answer, where a new account's row is written: one small write each. The notice
  // itself follows the answer.
  auto admitted = co_await throttle_.admit_mail(owner.id, kRegistrationGroup);
  if (!admitted) {
    audit_->warn("event=registration_notice.not_queued account_id={} request_id={} reason=store_unavailable",
                 owner.id, request.logged_id());
    co_return;
  }
  if (!*admitted) {
    audit_->info("event=registration_notice.not_queued account_id={} request_id={} reason=mail_limit",
                 owner.id, request.logged_id());
    co_return;
  }
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(executor, tell_owner(BackgroundJob(background_), std::move(owner), std::move(request)),
                        boost::asio::detached);
}

Task<void> MailFlows::tell_owner(BackgroundJob, store::Account owner, RequestContext request) {
  store::Effects effects;
  effects.mail.push_back(messages::registration_attempt(owner.email, owner.name, clock_()));
  auto stored = co_await store_.add_effects(owner.id, std::move(effects));
  if (!stored && stored.error() == store::Error::unavailable) {
    audit_->warn("event=registration_notice.not_queued account_id={} request_id={} reason=store_unavailable",
                 owner.id, request.logged_id());
    co_return;
  }
  if (stored) queued();
  audit_->info("event=registration.address_taken account_id={} request_id={}", owner.id, request.logged_id());
}

}  // namespace vestibule::accounts
