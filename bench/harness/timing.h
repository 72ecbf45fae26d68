// Enumeration timing: does a request about an address without an account take as long as one
// about an address with one? (If not, response times tell attackers which addresses have
// accounts.) Each measure alternates the two kinds, one request at a time (the reset and the
// registration A B, B A, ..., as a known address leaves work running after its answer), and
// keeps the medians: a failed login (unknown email vs wrong password), a password reset request
// (unknown vs known address), and a registration under --email-verification required (new vs
// taken).
#pragma once

#include <string>
#include <vector>

namespace vestibule::bench {

struct LoginTiming {
  double unknown_ms = 0;  // median, unknown email
  double wrong_ms = 0;    // median, seeded account with a wrong password
  int rounds = 0;
};

// `email` is a seeded account's. The server must not throttle failed logins.
LoginTiming measure_login_timing(unsigned short port, const std::string& email, int rounds);

struct PairTiming {
  double absent_ms = 0;   // median: the address has no account
  double present_ms = 0;  // median: it has one
  int rounds = 0;
};

// POST /v1/password-resets for unknown addresses vs `known` ones (seeded accounts', one per
// round and one to warm up, each asked once: what an attacker probing a list does, and what
// costs a real address the most, as each is mailed). The server must not limit mail requests
// per client.
PairTiming measure_reset_timing(unsigned short port, const std::vector<std::string>& known, int rounds);

// POST /v1/users of new addresses vs `known` (taken) ones, one each as above, on a server with
// --email-verification required (both answer 202). The server must not limit registrations
// per client.
PairTiming measure_registration_timing(unsigned short port, const std::vector<std::string>& known,
                                       const std::string& password, int rounds);

}  // namespace vestibule::bench
