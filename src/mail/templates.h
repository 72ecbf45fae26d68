// The messages Vestibule sends, by OutboxMessage::kind: built-in subject, text and HTML bodies,
// each part replaceable by a file in --mail-templates DIR (<kind>.subject, <kind>.txt,
// <kind>.html; a missing file keeps the built-in part). Loaded once; render() is then a pure
// function of its arguments and safe to call from any number of threads at once.
//
// Kinds and the params the accounts layer queues with them (every one required):
//   verify_email          name, token, expires_in   {{link}} = PUBLIC/verify-email#token=TOKEN
//   reset_password        name, token, expires_in   {{link}} = PUBLIC/reset-password#token=TOKEN
//   password_changed      name                      {{link}} = PUBLIC/reset-password
//   email_change_notice   name, new_email           (sent to the old address)
//   registration_attempt  (none)                    {{link}} = PUBLIC/reset-password
// Placeholders: {{name}}, {{email}} (the recipient), {{new_email}}, {{link}}, {{expires_in}}
// (seconds in the params, words in the message: "1 hour"); a template may use only those its kind
// defines. Values are HTML-escaped in the HTML part, and control characters (CR, LF, ...) in them
// become spaces everywhere, so no value can start a header or a line of its own.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <map>
#include <string>
#include <string_view>

#include "store/params.h"

namespace vestibule::mail {

namespace builtin {
struct Kind;
}

struct Rendered {
  std::string subject;  // one line
  std::string text;     // LF line ends
  std::string html;
};

// Why a message cannot be rendered. Both are permanent: retrying cannot help.
enum class RenderError {
  unknown_kind,   // no template of that kind
  missing_param,  // the message lacks a param its kind requires
};
const char* to_string(RenderError e);

struct TemplateError {
  std::string message;  // names the file and the problem
};
// Lets result<T, TemplateError>::value() report misuse as std::runtime_error (found by ADL).
[[noreturn]] void throw_exception_from_error(const TemplateError& e, const boost::source_location& loc);

class Templates {
 public:
  // The built-in templates, with the overrides found in `dir` (empty: none). Errors: `dir` is
  // not a readable directory, a file cannot be read, a subject has several lines, or a template
  // uses a placeholder its kind does not define.
  static boost::system::result<Templates, TemplateError> load(const std::string& dir);

  // `public_url` without a trailing slash. `recipient` fills {{email}}.
  boost::system::result<Rendered, RenderError> render(std::string_view kind, const store::Params& params,
                                                      std::string_view recipient, std::string_view public_url) const;

 private:
  struct Parts {
    const builtin::Kind* kind;  // what it needs and may use
    std::string subject, text, html;
  };
  std::map<std::string, Parts, std::less<>> kinds_;
};

// "1 hour", "24 hours", "30 minutes", "1 day"... for a count of seconds; other text as given.
std::string describe_duration(std::string_view seconds);

// `value` with & < > " ' as HTML character references.
std::string html_escape(std::string_view value);

}  // namespace vestibule::mail
