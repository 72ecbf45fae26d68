// The flows that go through someone's inbox: password reset, email verification and fresh
// verification links. Each mails a single-use token (32 random bytes, only its digest stored)
// in a link's fragment; the token comes back only in a POST body. The mail is queued in the
// same store transaction as the change that causes it; a courier delivers it later, so nothing
// here waits for SMTP. Failures are values, as in AccountService. Every audit line carries the
// request_id of the RequestContext it was given, the work after an answer included. Thread-safe: the one mutable
// state is an atomic count of the work still running after an answer.
//
// Two requests finish their work after answering, so that the answer's time does not tell
// whether an address has an account: a reset request, and a registration under `required` for
// a taken address. That work (a few store writes) is counted by background_jobs(), which serve
// waits for on shutdown; a crash in that moment loses it, and the person asks again.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "accounts/failure.h"
#include "accounts/throttle.h"
#include "accounts/types.h"
#include "security/password_hasher.h"
#include "store/store.h"

namespace vestibule::accounts {

class MailFlows {
 public:
  using ClockFn = std::function<TimePoint()>;

  // `throttle` and everything else must outlive this (AccountService owns both).
  MailFlows(store::Store& store, security::PasswordHasher& hasher, const ServiceOptions& options, ClockFn clock,
            std::shared_ptr<spdlog::logger> audit, MailQueued mail_queued, Throttle& throttle);

  // Starts a password reset for the account with this address, if there is one: answers the
  // same, after the same work (a store ping), whether or not it exists; the lookup and the reset
  // email follow the answer, off the request (within the per-account mail limits; past them
  // nothing is sent, and the answer is still the same). validation_failed if the address is
  // missing or cannot be valid; too_many_attempts past the client's mail request limit.
  Task<Result<void>> request_password_reset(std::optional<std::string> email, RequestContext request = {});

  // Sets a new password with a reset token: revokes every session and every other reset token
  // of the account, marks its address verified (the link reached it), forgets its failed
  // logins and mails a "password changed" notice. validation_failed (missing fields, or the
  // password rules; the token stays usable then); invalid_link_token if the token is malformed,
  // unknown, used or expired.
  Task<Result<void>> reset_password(std::optional<std::string> token, std::optional<std::string> password,
                                    RequestContext request = {});

  // Proves an address with a verification token: marks it verified, or completes a pending
  // address change. invalid_link_token (as above, or the token proves an address the account no
  // longer has or waits for); email_taken if another account took the pending address meanwhile.
  Task<Result<User>> verify_email(std::optional<std::string> token, RequestContext request = {});

  // Mails a fresh verification link to the caller's unverified or pending address (within the
  // mail limits; past them nothing is sent and the answer is the same). already_verified if
  // there is nothing to verify; too_many_attempts past the client's mail request limit;
  // invalid_token if the account is gone. The limits count p.request().client.
  Task<Result<void>> resend_verification(const Principal& p);

  // Mails a verification link for `address` (the account's address or its pending one), within
  // the mail limits. Returns whether one was queued. store_unavailable; invalid_token if the
  // account is gone.
  Task<Result<bool>> send_verification(std::string account_id, std::string name, std::string address,
                                       const RequestContext& request);

  // Someone tried to register with `owner`'s address: counts the notice against the mail
  // limits, and mails it to the owner after the answer if they admit it. Never fails (the
  // answer must not differ).
  Task<void> registration_attempted(store::Account owner, RequestContext request);

  // Work started by an answered request that has not finished yet.
  std::size_t background_jobs() const { return background_.load(); }

 private:
  // Counts one piece of work after an answer while it lives: a parameter of the coroutine that
  // does it, so it is released even if that coroutine never runs (the io_context stopped).
  class BackgroundJob {
   public:
    explicit BackgroundJob(std::atomic<std::size_t>& count) : count_(&count) { ++*count_; }
    BackgroundJob(BackgroundJob&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
    BackgroundJob(const BackgroundJob&) = delete;
    BackgroundJob& operator=(const BackgroundJob&) = delete;
    BackgroundJob& operator=(BackgroundJob&&) = delete;
    ~BackgroundJob() {
      if (count_) --*count_;
    }

   private:
    std::atomic<std::size_t>* count_;
  };

  // The part of a reset request that runs after the answer, the lookup included, for a known
  // address and an unknown one alike.
  Task<void> queue_reset(BackgroundJob job, std::string email_key, RequestContext request);
  Task<void> tell_owner(BackgroundJob job, store::Account owner, RequestContext request);

  void queued() const;
  // The audit line of a request a limit refused (nothing for other failures).
  void refused(std::string_view event, const RequestContext& request, const Failure& f,
               std::string_view account_id = "-") const;
  // The audit line of a link that proves nothing, and its failure.
  Failure bad_link(std::string_view event, const RequestContext& request, std::string_view account_id) const;

  store::Store& store_;
  security::PasswordHasher& hasher_;
  const ServiceOptions& options_;
  ClockFn clock_;
  std::shared_ptr<spdlog::logger> audit_;
  MailQueued mail_queued_;
  Throttle& throttle_;
  std::atomic<std::size_t> background_{0};
};

}  // namespace vestibule::accounts
