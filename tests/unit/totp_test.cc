#include "security/totp.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <ctime>
#include <set>
#include <string>

#include "support/command.h"

namespace vestibule::security {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr const char* kOathtool = "/usr/bin/oathtool";  // Debian's oathtool (OATH Toolkit)

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// RFC 4226 Appendix D and RFC 6238 Appendix B: the ASCII of "12345678901234567890".
const Bytes kRfcSecret = bytes("12345678901234567890");

system_clock::time_point at(std::int64_t unix_seconds) { return system_clock::time_point(seconds(unix_seconds)); }

TEST(Hotp, MatchesRfc4226AppendixD) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::int64_t count = 0; count < 10; ++count) {
    EXPECT_EQ(hotp(kRfcSecret, count), expected[count]) << "counter " << count;
  }
}

TEST(Totp, MatchesRfc6238AppendixBSha1) {
  // The RFC's values have 8 digits; authenticator apps show their last 6.
  const struct {
    std::int64_t time;
    std::int64_t step;
    const char* code;
  } vectors[] = {
      {59, 1, "287082"},
      {1111111109, 37037036, "081804"},
      {1111111111, 37037037, "050471"},
      {1234567890, 41152263, "005924"},
      {2000000000, 66666666, "279037"},
      {20000000000, 666666666, "353130"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(hotp(kRfcSecret, v.step), v.code) << "T = " << v.time;
    // system_clock counts nanoseconds in 64 bits here: the year 2603 is past its end (2262).
    if (v.time > std::chrono::floor<seconds>(system_clock::time_point::max()).time_since_epoch().count()) continue;
    EXPECT_EQ(totp_step(at(v.time)), v.step) << "T = " << v.time;
    EXPECT_EQ(hotp(kRfcSecret, totp_step(at(v.time))), v.code) << "T = " << v.time;
  }
}

TEST(TotpStep, CountsThirtySecondStepsFromTheEpoch) {
  EXPECT_EQ(totp_step(at(0)), 0);
  EXPECT_EQ(totp_step(at(29)), 0);
  EXPECT_EQ(totp_step(at(30)), 1);
  EXPECT_EQ(totp_step(at(0) + std::chrono::milliseconds(29999)), 0);
  EXPECT_EQ(totp_step(at(-1)), -1);  // floor, not truncation
}

TEST(NewTotpSecret, IsTwentyRandomBytes) {
  std::set<std::string> secrets;  // as text: g++ 12 warns wrongly about a set of byte vectors
  for (int i = 0; i < 100; ++i) {
    const Bytes s = new_totp_secret();
    EXPECT_EQ(s.size(), kTotpSecretBytes);
    secrets.insert(std::string(s.begin(), s.end()));
  }
  EXPECT_EQ(secrets.size(), 100u);
}

// RFC 4648 section 10, the padding as the RFC writes it.
const std::pair<const char*, const char*> kBase32Vectors[] = {
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

std::string without_padding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

TEST(Base32, EncodesRfc4648VectorsWithoutPadding) {
  for (const auto& [plain, encoded] : kBase32Vectors) {
    EXPECT_EQ(base32_encode(bytes(plain)), without_padding(encoded)) << plain;
  }
}

TEST(Base32, DecodesRfc4648VectorsWithAndWithoutPadding) {
  for (const auto& [plain, encoded] : kBase32Vectors) {
    EXPECT_EQ(base32_decode(encoded), bytes(plain)) << encoded;
    EXPECT_EQ(base32_decode(without_padding(encoded)), bytes(plain)) << encoded;
  }
}

TEST(Base32, DecodingIgnoresCaseAndSpaces) {
  EXPECT_EQ(base32_decode("mzxw6ytboi"), bytes("foobar"));
  EXPECT_EQ(base32_decode("MzXw 6YtB oI=="), bytes("foobar"));
  EXPECT_EQ(base32_decode(" MZXW 6YTB "), bytes("fooba"));
  EXPECT_EQ(base32_decode("MY= = "), bytes("f"));
}

TEST(Base32, RoundTripsRandomBytes) {
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes b(n);
    if (n > 0) randombytes_buf(b.data(), b.size());  // an empty vector's data() may be null
    EXPECT_EQ(base32_decode(base32_encode(b)), b) << n << " bytes";
  }
}

TEST(Base32, DecodingRefusesOtherCharactersAndImpossibleLengths) {
  for (const char* text : {"MZXW0YTB",       // 0 is not a base32 digit
                           "MZXW1YTB",       // nor 1
                           "MZXW8YTB",       // nor 8
                           "MZXW-YTB", "MZXW\tYTB", "MZXW6YTB\n", "MZXW6YT\xc3\xa9",
                           "M",              // 5 bits: no whole byte
                           "MZX",            // 15 bits
                           "MZXW6Y",         // 30 bits
                           "MY=A",           // a letter after padding
                           "=MY",            // padding first
                           "MZ"}) {          // bits left over after the byte are not zero
    EXPECT_EQ(base32_decode(text), std::nullopt) << text;
  }
}

// Codes of kRfcSecret around step 1000, checked to be distinct so that a code names one step.
class MatchTotp : public ::testing::Test {
 protected:
  static constexpr std::int64_t kNow = 1000;
  void SetUp() override {
    std::set<std::string> distinct;
    for (std::int64_t d = -2; d <= 2; ++d) distinct.insert(code(d));
    ASSERT_EQ(distinct.size(), 5u);
  }
  static std::string code(std::int64_t offset) { return hotp(kRfcSecret, kNow + offset); }
  static std::optional<std::int64_t> match(std::string_view c, std::int64_t last_step = kNow - 10) {
    return match_totp(kRfcSecret, c, kNow, last_step);
  }
};

TEST_F(MatchTotp, AcceptsTheCurrentStepAndOneEitherSide) {
  EXPECT_EQ(match(code(-1)), kNow - 1);
  EXPECT_EQ(match(code(0)), kNow);
  EXPECT_EQ(match(code(1)), kNow + 1);
}

TEST_F(MatchTotp, RefusesTwoStepsAway) {
  EXPECT_EQ(match(code(-2)), std::nullopt);
  EXPECT_EQ(match(code(2)), std::nullopt);
}

TEST_F(MatchTotp, RefusesStepsNotAfterTheLastAccepted) {
  EXPECT_EQ(match(code(0), kNow), std::nullopt);
  EXPECT_EQ(match(code(0), kNow + 1), std::nullopt);
  EXPECT_EQ(match(code(-1), kNow - 1), std::nullopt);
  EXPECT_EQ(match(code(0), kNow - 1), kNow);
  EXPECT_EQ(match(code(1), kNow), kNow + 1);
}

TEST_F(MatchTotp, RefusesAnotherSecretsCode) {
  EXPECT_EQ(match_totp(bytes("another secret, 20 b"), code(0), kNow, kNow - 10), std::nullopt);
}

TEST_F(MatchTotp, RefusesAnythingButSixAsciiDigits) {
  const std::string c = code(0);
  EXPECT_EQ(match(c.substr(0, 5)), std::nullopt);
  EXPECT_EQ(match(c + "0"), std::nullopt);
  EXPECT_EQ(match(""), std::nullopt);
  EXPECT_EQ(match(" " + c), std::nullopt);
  EXPECT_EQ(match(c + "\n"), std::nullopt);
  EXPECT_EQ(match(c.substr(0, 3) + " " + c.substr(3)), std::nullopt);
  EXPECT_EQ(match("12345a"), std::nullopt);
  EXPECT_EQ(match("+12345"), std::nullopt);
  EXPECT_EQ(match(std::string("12345\0", 6)), std::nullopt);
}

TEST(OtpauthUri, PercentEncodesTheLabelAndIssuer) {
  EXPECT_EQ(otpauth_uri("Vestibule", "ana+2fa@ex\xc3\xa4mple.org", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Vestibule:ana%2B2fa%40ex%C3%A4mple.org?secret=JBSWY3DPEHPK3PXP&issuer=Vestibule"
            "&algorithm=SHA1&digits=6&period=30");
  // A space is %20 (not '+', which is a plus sign in a path), a colon inside a part is encoded.
  EXPECT_EQ(otpauth_uri("Acme Co: Staff", "bo", "MZXW6"),
            "otpauth://totp/Acme%20Co%3A%20Staff:bo?secret=MZXW6&issuer=Acme%20Co%3A%20Staff"
            "&algorithm=SHA1&digits=6&period=30");
}

// Cross-checks against an independent implementation, Debian's oathtool, for random secrets,
// counters and times.
class Oathtool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kOathtool, X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/oathtool (Debian package oathtool)";
  }
};

std::string utc_text(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

TEST_F(Oathtool, AgreesOnHotpOfRandomSecretsAndCounters) {
  for (std::size_t length : {10u, 20u, 32u}) {
    Bytes secret(length);
    randombytes_buf(secret.data(), secret.size());
    const std::int64_t counter = randombytes_uniform(1u << 30);
    const std::string theirs = testing::command_output(
        {kOathtool, "-b", "--hotp", base32_encode(secret), "-c", std::to_string(counter)});
    EXPECT_EQ(hotp(secret, counter), theirs) << length << "-byte secret, counter " << counter;
  }
}

TEST_F(Oathtool, AgreesOnTotpOfRandomSecretsAndTimes) {
  for (int i = 0; i < 4; ++i) {
    const Bytes secret = new_totp_secret();
    // Any second from 1970 to 2106.
    const std::int64_t now = randombytes_random();
    const std::string theirs =
        testing::command_output({kOathtool, "--totp", "-b", base32_encode(secret), "--now", utc_text(now)});
    EXPECT_EQ(hotp(secret, totp_step(at(now))), theirs) << utc_text(now);
  }
}

}  // namespace
}  // namespace vestibule::security
