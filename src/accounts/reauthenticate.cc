#include "accounts/reauthenticate.h"

#include "security/unicode.h"
#include "util/logfmt.h"

namespace vestibule::accounts {

Task<Result<std::string>> reauthenticate(store::Store& store, Throttle& throttle, spdlog::logger& audit,
                                         const Principal& p, TimePoint now, const std::string& password,
                                         std::string_view purpose) {
  std::optional<std::string> nfc = security::to_nfc(password);
  if (!nfc) {
    audit.info("event=reauthentication.failed account_id={} request_id={} for={} reason=invalid_password",
               p.account_id(), p.request().logged_id(), purpose);
    co_return fail(Code::invalid_password);
  }
  // The session and its account in one read, past any cache: the hash as it goes with a live
  // session, never one the session outlived.
  auto found = co_await store.find_session(p.token_digest(), now);
  if (!found) {
    const bool down = found.error() == store::Error::unavailable;
    audit.info("event=reauthentication.failed account_id={} request_id={} for={} reason={}", p.account_id(),
               p.request().logged_id(), purpose, down ? "store_unavailable" : "session_ended");
    co_return fail(down ? Code::store_unavailable : Code::invalid_token);
  }
  store::Account& account = found->account;
  // Through the same throttle and under the same key as a login: a stolen token must not allow
  // more guesses than the login form.
  PasswordCheck check{p.email_key_, p.request().client, std::move(*nfc), account.password_hash};
  auto match = co_await throttle.check_password(std::move(check));
  if (!match) {
    const Failure& f = match.error();
    if (f.code == Code::too_many_attempts) {
      audit.info("event=reauthentication.failed account_id={} request_id={} reason=throttled limit={} client={}",
                 p.account_id(), p.request().logged_id(), f.limit, util::logfmt_value(p.request().client));
    }
    co_return f;
  }
  if (!*match) {
    audit.info("event=reauthentication.failed account_id={} request_id={} for={} reason=invalid_password",
               p.account_id(), p.request().logged_id(), purpose);
    co_return fail(Code::invalid_password);
  }
  co_return std::move(account.password_hash);
}

}  // namespace vestibule::accounts
