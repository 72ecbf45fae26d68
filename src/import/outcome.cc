#include "import/outcome.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace vestibule::import {
namespace {

std::string_view string_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

// "validation_failed (email: invalid_email, name: too_long)" from a problem+json body; just the
// status's words when the body is not one.
std::string describe_problem(unsigned status, std::string_view body) {
  std::string out = std::to_string(status);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return out;
  const boost::json::object& problem = value.as_object();
  if (std::string_view code = string_member(problem, "code"); !code.empty()) out.append(" ").append(code);
  const boost::json::value* errors = problem.if_contains("errors");
  if (errors == nullptr || !errors->is_array()) return out;
  std::string fields;
  for (const boost::json::value& e : errors->as_array()) {
    if (!e.is_object()) continue;
    if (!fields.empty()) fields.append(", ");
    fields.append(string_member(e.as_object(), "field")).append(": ").append(string_member(e.as_object(), "code"));
  }
  if (!fields.empty()) out.append(" (").append(fields).append(")");
  return out;
}

std::string problem_code(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return {};
  return std::string(string_member(value.as_object(), "code"));
}

}  // namespace

Outcome classify(unsigned status, std::string_view body, bool has_id) {
  if (status == 201) return {Verdict::imported, {}};
  if (status == 401) return {Verdict::unauthorized, describe_problem(status, body)};
  if (status == 409) {
    const std::string code = problem_code(body);
    if (code == "id_taken") return {Verdict::skipped, {}};
    if (code == "email_taken" && !has_id) return {Verdict::skipped, {}};
    if (code == "email_taken") return {Verdict::rejected, "409 email_taken (the address belongs to another account)"};
  }
  // 503 is what an overloaded or shutting-down server answers, 429 a throttle: both pass.
  if (status >= 500 || status == 429) return {Verdict::retry, describe_problem(status, body)};
  return {Verdict::rejected, describe_problem(status, body)};
}

}  // namespace vestibule::import
