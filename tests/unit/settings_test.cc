// Settings: the base of mailed links follows the public listener unless --public-url is given, so
// that the --listen default is written once (settings.h) and a changed --listen changes the links.
#include "app/settings.h"

#include <gtest/gtest.h>

namespace vestibule::app {
namespace {

TEST(PublicUrl, IsThePublicListenerByDefault) {
  Settings s;
  EXPECT_EQ(public_url(s), "http://127.0.0.1:9443");
  s.listen = "[::1]:8080";
  EXPECT_EQ(public_url(s), "http://[::1]:8080");
}

TEST(PublicUrl, IsHttpsWithACertificate) {
  Settings s;
  s.tls_cert = "cert.pem";
  s.tls_key = "key.pem";
  EXPECT_EQ(public_url(s), "https://127.0.0.1:9443");
}

TEST(PublicUrl, IsTheFlagWhenGiven) {
  Settings s;
  s.mail.public_url = "https://accounts.example.com";
  s.listen = "127.0.0.1:8080";
  EXPECT_EQ(public_url(s), "https://accounts.example.com");
}

}  // namespace
}  // namespace vestibule::app
