// Login timing: does a failed login for an unknown email take as long as one with a wrong
// password for a real account? (If not, response times tell attackers which addresses have
// accounts.) Alternates the two kinds, one request at a time, and keeps the medians.
#pragma once

#include <string>

namespace vestibule::bench {

struct LoginTiming {
  double unknown_ms = 0;  // median, unknown email
  double wrong_ms = 0;    // median, seeded account with a wrong password
  int rounds = 0;
};

// `email` is a seeded account's. The server must not throttle failed logins.
LoginTiming measure_login_timing(unsigned short port, const std::string& email, int rounds);

}  // namespace vestibule::bench
