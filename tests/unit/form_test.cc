// Form bodies (application/x-www-form-urlencoded, introspection requests): decoding, the media
// type, and the refusals.
#include "api/form.h"

#include <gtest/gtest.h>

namespace vestibule::api {
namespace {

namespace beast_http = boost::beast::http;

http::Request form(std::string body, std::string_view type = "application/x-www-form-urlencoded") {
  http::Request req{beast_http::verb::post, "/v1/introspect", 11};
  if (!type.empty()) req.set(beast_http::field::content_type, type);
  req.body() = std::move(body);
  return req;
}

TEST(ParseForm, DecodesPercentEscapesAndPlusAsSpace) {
  auto fields = parse_form(form("token=a%2Fb%3D&hint=access+token&empty=&bare"));
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->at("token"), "a/b=");
  EXPECT_EQ(fields->at("hint"), "access token");
  EXPECT_EQ(fields->at("empty"), "");
  EXPECT_EQ(fields->at("bare"), "");
  EXPECT_EQ(fields->size(), 4u);
}

TEST(ParseForm, AcceptsTheMediaTypeInAnyCaseWithParameters) {
  EXPECT_TRUE(parse_form(form("token=x", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")));
  EXPECT_TRUE(parse_form(form("", "application/x-www-form-urlencoded")).value().empty());
}

TEST(ParseForm, RefusesAnotherMediaTypeAsUnsupported) {
  for (std::string_view type : {"application/json", "", "text/plain", "application/x-www-form-urlencodedx"}) {
    auto fields = parse_form(form("token=x", type));
    ASSERT_FALSE(fields) << type;
    EXPECT_TRUE(fields.error().unsupported_media_type) << type;
  }
}

TEST(ParseForm, RefusesARepeatedFieldAndABrokenEscape) {
  for (std::string body : {"token=a&token=b", "token=%zz", "token=%4"}) {
    auto fields = parse_form(form(body));
    ASSERT_FALSE(fields) << body;
    EXPECT_FALSE(fields.error().unsupported_media_type) << body;
  }
}

}  // namespace
}  // namespace vestibule::api
