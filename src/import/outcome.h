// What an answer of POST /admin/v1/users means for the import (the contract is in
// docs/openapi.yaml under the admin tag). A pure function; no thread-safety concerns.
#pragma once

#include <string>
#include <string_view>

namespace vestibule::import {

enum class Verdict {
  imported,      // 201: the account was created
  skipped,       // it exists already: a re-run of the same file
  rejected,      // the server refused this user; `reason` says why
  retry,         // a transient failure (5xx, 429): the same request may succeed later
  unauthorized,  // 401: the admin token is wrong; nothing else can succeed, so the run stops
};

struct Outcome {
  Verdict verdict;
  // For rejected and retry: the status, the problem's code and its per-field codes, e.g.
  // "422 validation_failed (email: invalid_email)". Built from codes only, never from the
  // server's messages or the request, so that it cannot carry a hash.
  std::string reason;
};

// `has_id`: whether the request named the account's id. A 409 email_taken then means the
// address belongs to another account (rejected); without an id, that this user was imported
// before (skipped). A 409 id_taken is always "already there".
Outcome classify(unsigned status, std::string_view body, bool has_id);

}  // namespace vestibule::import
