// The account page (src/ui/, issue 13) on the public listener: GET / and the two pages the mailed
// links open, /reset-password and /verify-email, answer its HTML; /ui/app.js, /ui/app.css and
// /ui/icon.svg its script, style and icon. Everything is compiled into the binary (ui/assets.h):
// no CDN, no external font, nothing read from disk. HEAD is answered too (the router's rule).
// Every answer carries a strict Content-Security-Policy (kPageSecurityPolicy), Referrer-Policy:
// no-referrer and X-Frame-Options: DENY, besides the server's standard headers (Cache-Control:
// no-store, X-Content-Type-Options: nosniff). Stateless and thread-safe.
#pragma once

#include <string_view>

#include "http/router.h"

namespace vestibule::api {

// Only our own script, style and images; fetch only to this origin (the API); no inline script
// or style, no plugins, no <base>, no form that submits by itself (the script sends every form,
// so a form posted before the script ran must go nowhere: its password would end up in a URL),
// and no framing (clickjacking).
inline constexpr std::string_view kPageSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Adds the page's routes. Without them (--no-ui) every one of these paths is the router's 404.
void add_ui_routes(http::Router& router);

}  // namespace vestibule::api
