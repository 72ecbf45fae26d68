#include "mail/builtin_templates.h"

#include <array>

namespace vestibule::mail::builtin {

namespace {

using Names = std::string_view;

// Plain words, short lines, the one action first; every message says what to do when it was
// not expected, because that reader is the one a phishing lookalike would target.
constexpr std::array<Names, 3> kTokenParams{"name", "token", "expires_in"};
constexpr std::array<Names, 4> kTokenPlaceholders{"name", "email", "link", "expires_in"};
constexpr std::array<Names, 1> kNameParam{"name"};
constexpr std::array<Names, 3> kNamePlaceholders{"name", "email", "link"};
constexpr std::array<Names, 2> kChangeParams{"name", "new_email"};
constexpr std::array<Names, 3> kChangePlaceholders{"name", "email", "new_email"};
constexpr std::array<Names, 2> kAttemptPlaceholders{"email", "link"};

// The start of every HTML part (adjacent literals need a macro to concatenate).
#define VESTIBULE_HTML_HEAD \
  "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n" \
  "<body style=\"font-family: sans-serif; line-height: 1.5;\">\n"

const std::array<Kind, 5> kKinds{{
    {"verify_email", kTokenParams, kTokenPlaceholders, Link::verify_email, "Confirm your email address",
     "Hi {{name}},\n"
     "\n"
     "please confirm that {{email}} is your email address by opening this link:\n"
     "\n"
     "{{link}}\n"
     "\n"
     "The link can be used once and expires in {{expires_in}}.\n"
     "\n"
     "If you did not sign up or change your address, you can ignore this message:\n"
     "nothing happens until the link is opened.\n",
     VESTIBULE_HTML_HEAD
     "<p>Hi {{name}},</p>\n"
     "<p>please confirm that {{email}} is your email address:</p>\n"
     "<p><a href=\"{{link}}\">Confirm my email address</a></p>\n"
     "<p>The link can be used once and expires in {{expires_in}}.</p>\n"
     "<p>If you did not sign up or change your address, you can ignore this message:\n"
     "nothing happens until the link is opened.</p>\n"
     "</body></html>\n"},
    {"reset_password", kTokenParams, kTokenPlaceholders, Link::reset_password_token, "Reset your password",
     "Hi {{name}},\n"
     "\n"
     "we received a request to reset the password of the account for {{email}}.\n"
     "To choose a new password, open this link:\n"
     "\n"
     "{{link}}\n"
     "\n"
     "The link can be used once and expires in {{expires_in}}.\n"
     "\n"
     "If you did not ask for this, you can ignore this message: your password\n"
     "stays as it is.\n",
     VESTIBULE_HTML_HEAD
     "<p>Hi {{name}},</p>\n"
     "<p>we received a request to reset the password of the account for {{email}}.</p>\n"
     "<p><a href=\"{{link}}\">Choose a new password</a></p>\n"
     "<p>The link can be used once and expires in {{expires_in}}.</p>\n"
     "<p>If you did not ask for this, you can ignore this message: your password stays as it is.</p>\n"
     "</body></html>\n"},
    {"password_changed", kNameParam, kNamePlaceholders, Link::reset_password_page, "Your password was changed",
     "Hi {{name}},\n"
     "\n"
     "the password of your account ({{email}}) has just been changed, and the other\n"
     "devices that were signed in have been signed out.\n"
     "\n"
     "If that was you, there is nothing else to do.\n"
     "\n"
     "If it was not, someone else may know your password: reset it right away at\n"
     "{{link}}\n",
     VESTIBULE_HTML_HEAD
     "<p>Hi {{name}},</p>\n"
     "<p>the password of your account ({{email}}) has just been changed, and the other devices that\n"
     "were signed in have been signed out.</p>\n"
     "<p>If that was you, there is nothing else to do.</p>\n"
     "<p>If it was not, someone else may know your password:\n"
     "<a href=\"{{link}}\">reset it right away</a>.</p>\n"
     "</body></html>\n"},
    {"email_change_notice", kChangeParams, kChangePlaceholders, Link::none, "Your email address is being changed",
     "Hi {{name}},\n"
     "\n"
     "the email address of your account is being changed from {{email}}\n"
     "to {{new_email}}. Messages about the account will go to the new address.\n"
     "\n"
     "If that was you, there is nothing else to do.\n"
     "\n"
     "If it was not, someone may have signed in to your account: contact the\n"
     "people who run this service as soon as you can, and keep this message.\n",
     VESTIBULE_HTML_HEAD
     "<p>Hi {{name}},</p>\n"
     "<p>the email address of your account is being changed from {{email}} to {{new_email}}.\n"
     "Messages about the account will go to the new address.</p>\n"
     "<p>If that was you, there is nothing else to do.</p>\n"
     "<p>If it was not, someone may have signed in to your account: contact the people who run this\n"
     "service as soon as you can, and keep this message.</p>\n"
     "</body></html>\n"},
    {"registration_attempt", {}, kAttemptPlaceholders, Link::reset_password_page,
     "Someone tried to sign up with your email address",
     "Hello,\n"
     "\n"
     "someone just tried to create an account with {{email}}, but this address\n"
     "already has one, so no new account was made.\n"
     "\n"
     "If it was you: you do not need a new account. Sign in with your password,\n"
     "or, if you have forgotten it, reset it here:\n"
     "\n"
     "{{link}}\n"
     "\n"
     "If it was not you, you can ignore this message: nothing about your account\n"
     "has changed.\n",
     VESTIBULE_HTML_HEAD
     "<p>Hello,</p>\n"
     "<p>someone just tried to create an account with {{email}}, but this address already has one,\n"
     "so no new account was made.</p>\n"
     "<p>If it was you: you do not need a new account. Sign in with your password, or, if you have\n"
     "forgotten it, <a href=\"{{link}}\">reset it here</a>.</p>\n"
     "<p>If it was not you, you can ignore this message: nothing about your account has changed.</p>\n"
     "</body></html>\n"},
}};

#undef VESTIBULE_HTML_HEAD

}  // namespace

std::span<const Kind> kinds() { return kKinds; }

}  // namespace vestibule::mail::builtin
