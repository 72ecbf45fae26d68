#include "mail/templates.h"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mail/builtin_templates.h"

namespace vestibule::mail {

void throw_exception_from_error(const TemplateError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

namespace {

namespace fs = std::filesystem;

// Calls `on_placeholder(name)` for each {{name}} and `on_text(text)` for what lies between.
template <typename Text, typename Placeholder>
void scan(std::string_view tpl, Text on_text, Placeholder on_placeholder) {
  while (!tpl.empty()) {
    const std::size_t open = tpl.find("{{");
    const std::size_t close = open == std::string_view::npos ? open : tpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      on_text(tpl);
      return;
    }
    on_text(tpl.substr(0, open));
    std::string_view name = tpl.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    on_placeholder(name);
    tpl.remove_prefix(close + 2);
  }
}

bool allowed(const builtin::Kind& kind, std::string_view name) {
  return std::find(kind.placeholders.begin(), kind.placeholders.end(), name) != kind.placeholders.end();
}

// A value as it may appear in any part: a control character could end a header or forge a line.
std::string sanitise(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

boost::system::result<std::string, TemplateError> read_override(const fs::path& file) {
  std::error_code ec;
  using Text = boost::system::result<std::string, TemplateError>;
  if (!fs::exists(file, ec)) return Text(boost::system::in_place_value);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return TemplateError{"--mail-templates: cannot read " + file.string()};
  // Editors write CRLF on some systems; the MIME layer writes CRLF itself.
  std::string text;
  for (char c : content.str()) {
    if (c != '\r') text += c;
  }
  return Text(boost::system::in_place_value, std::move(text));
}

std::string link_for(const builtin::Kind& kind, std::string_view public_url, std::string_view token) {
  // The token travels in the fragment, which browsers never send: a link scanner's GET consumes
  // nothing and no server log sees it. Percent-encoded, though accounts' tokens are base64url.
  switch (kind.link) {
    case builtin::Link::verify_email:
      return std::string(public_url) +
             "/verify-email#token=" + boost::urls::encode(token, boost::urls::unreserved_chars);
    case builtin::Link::reset_password_token:
      return std::string(public_url) +
             "/reset-password#token=" + boost::urls::encode(token, boost::urls::unreserved_chars);
    case builtin::Link::reset_password_page:
      return std::string(public_url) + "/reset-password";
    case builtin::Link::none:
      break;
  }
  return std::string();
}

}  // namespace

const char* to_string(RenderError e) {
  switch (e) {
    case RenderError::unknown_kind:
      return "unknown_kind";
    case RenderError::missing_param:
      return "missing_param";
  }
  return "unknown";
}

std::string html_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string describe_duration(std::string_view seconds) {
  long long n = 0;
  auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), n);
  if (ec != std::errc() || end != seconds.data() + seconds.size() || n <= 0) return std::string(seconds);
  auto count = [](long long v, const char* unit) { return std::to_string(v) + " " + unit + (v == 1 ? "" : "s"); };
  if (n % 86400 == 0 && n / 86400 != 1) return count(n / 86400, "day");  // "1 day" reads as 24 hours
  if (n % 3600 == 0) return count(n / 3600, "hour");
  if (n % 60 == 0) return count(n / 60, "minute");
  return count(n, "second");
}

boost::system::result<Templates, TemplateError> Templates::load(const std::string& dir) {
  Templates out;
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    return TemplateError{"--mail-templates " + dir + " is not a readable directory"};
  }
  for (const builtin::Kind& kind : builtin::kinds()) {
    Parts parts{&kind, std::string(kind.subject), std::string(kind.text), std::string(kind.html)};
    if (!dir.empty()) {
      const std::string base = (fs::path(dir) / kind.kind).string();
      struct Slot {
        const char* suffix;
        std::string* part;
      };
      for (Slot slot : {Slot{".subject", &parts.subject}, Slot{".txt", &parts.text}, Slot{".html", &parts.html}}) {
        const std::string file = base + slot.suffix;
        auto text = read_override(file);
        if (!text) return text.error();
        if (text->empty()) continue;
        if (slot.part == &parts.subject) {
          while (!text->empty() && text->back() == '\n') text->pop_back();
          if (text->find('\n') != std::string::npos)
            return TemplateError{"--mail-templates: " + file + " has several lines"};
        }
        std::string unknown;
        scan(
            *text, [](std::string_view) {},
            [&](std::string_view name) {
              if (unknown.empty() && !allowed(kind, name)) unknown = name;
            });
        if (!unknown.empty()) {
          return TemplateError{"--mail-templates: " + file + " uses {{" + unknown + "}}, which " +
                               std::string(kind.kind) + " messages do not have"};
        }
        *slot.part = std::move(*text);
      }
    }
    out.kinds_.emplace(std::string(kind.kind), std::move(parts));
  }
  return out;
}

boost::system::result<Rendered, RenderError> Templates::render(std::string_view kind_name, const store::Params& params,
                                                               std::string_view recipient,
                                                               std::string_view public_url) const {
  auto found = kinds_.find(kind_name);
  if (found == kinds_.end()) return RenderError::unknown_kind;
  const Parts& parts = found->second;
  const builtin::Kind& kind = *parts.kind;
  auto param = [&](std::string_view name) -> const std::string* {
    for (const auto& [key, value] : params) {
      if (key == name) return &value;
    }
    return nullptr;
  };
  for (std::string_view name : kind.required) {
    if (!param(name)) return RenderError::missing_param;
  }
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);

  std::map<std::string_view, std::string> values;
  values["email"] = sanitise(recipient);
  for (std::string_view name : {"name", "new_email"}) {
    if (const std::string* v = param(name)) values[name] = sanitise(*v);
  }
  if (const std::string* v = param("expires_in")) values["expires_in"] = sanitise(describe_duration(*v));
  const std::string* token = param("token");
  values["link"] = sanitise(link_for(kind, public_url, token ? std::string_view(*token) : std::string_view()));

  auto fill = [&](std::string_view tpl, bool html) {
    std::string out;
    scan(
        tpl, [&](std::string_view text) { out += text; },
        [&](std::string_view name) {
          auto v = values.find(name);
          if (v == values.end()) return;  // a placeholder of this kind without a value: stays empty
          out += html ? html_escape(v->second) : v->second;
        });
    return out;
  };
  return Rendered{fill(parts.subject, false), fill(parts.text, false), fill(parts.html, true)};
}

}  // namespace vestibule::mail
