// The built-in wording of every message kind, and what each kind needs. Data only.
#pragma once

#include <span>
#include <string_view>

namespace vestibule::mail::builtin {

enum class Link { none, verify_email, reset_password_token, reset_password_page };

struct Kind {
  std::string_view kind;
  std::span<const std::string_view> required;      // params the message must carry
  std::span<const std::string_view> placeholders;  // what its templates may use
  Link link;
  std::string_view subject, text, html;
};

std::span<const Kind> kinds();

}  // namespace vestibule::mail::builtin
