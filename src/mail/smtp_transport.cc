#include "mail/smtp_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace vestibule::mail {

namespace {

struct Upload {
  std::string_view data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->at);
  std::memcpy(buffer, upload->data.data() + upload->at, n);
  upload->at += n;
  return n;
}

int progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(user)->load() ? 1 : 0;  // non-zero aborts the transfer
}

std::string make_curl_url(const MailUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return std::string(url.kind == MailUrl::Kind::smtps ? "smtps://" : "smtp://") + host + ":" + std::to_string(url.port);
}

// Loopback traffic never leaves the machine: a local relay may take a password without TLS.
bool loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

SmtpTransport::SmtpTransport(MailUrl url, SmtpOptions options)
    : url_(std::move(url)), options_(std::move(options)), curl_url_(make_curl_url(url_)) {
  // Idempotent and reference-counted; thread-safe in libcurl >= 7.84 (Debian 12 has 7.88).
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

SendResult SmtpTransport::send(const Envelope& envelope, std::string_view message) {
  using Outcome = SendResult::Outcome;
  if (cancelled_.load()) return {Outcome::transient, "cancelled"};
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return {Outcome::transient, "curl_easy_init failed"};
  CURL* c = curl.get();
  const std::string from = "<" + envelope.from + ">";
  const std::string rcpt = "<" + envelope.recipient + ">";
  std::unique_ptr<curl_slist, ListDeleter> rcpts(curl_slist_append(nullptr, rcpt.c_str()));
  if (!rcpts) return {Outcome::transient, "out of memory"};
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, curl_url_.c_str());
  // Only SMTP, whatever the URL says; no redirects exist in SMTP, but be explicit.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts in a threaded server
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.send_timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (url_.kind == MailUrl::Kind::smtp) {
    // try: STARTTLS whenever offered; all: refuse to go on without it. A password is never sent
    // in clear over a network, whatever the URL says.
    const bool required = url_.starttls == MailUrl::StartTls::required || (!url_.user.empty() && !loopback(url_.host));
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     required ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  }
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!url_.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, url_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, url_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &cancelled_);

  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {Outcome::sent, {}};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  // curl's error texts name commands and codes ("RCPT failed: 550"), never the addresses or
  // the password; still, the reason logged is built from codes only.
  std::string reason = std::string(curl_easy_strerror(rc));
  if (code > 0) reason = "smtp " + std::to_string(code) + " (" + reason + ")";
  // A 5xx is permanent only as the answer to MAIL FROM / RCPT TO / DATA (curl reports those as
  // CURLE_SEND_ERROR) or to the data itself (CURLE_WEIRD_SERVER_REPLY after the upload). A 5xx
  // greeting or a failed AUTH (CURLE_LOGIN_DENIED) is about the server or our configuration,
  // not about this message, and may be fixed while attempts remain.
  const bool after_upload = upload.at > 0;
  const bool permanent =
      code >= 500 && code < 600 && (rc == CURLE_SEND_ERROR || (rc == CURLE_WEIRD_SERVER_REPLY && after_upload));
  return {permanent ? Outcome::permanent : Outcome::transient, std::move(reason)};
}

}  // namespace vestibule::mail
