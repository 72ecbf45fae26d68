// The registration race: many clients registering one new address at the same moment, on one
// server or spread over several instances of one store. The store must let exactly one win.
// Call from the test's thread (it records gtest failures there).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vestibule::e2e {

struct RegistrationRace {
  std::string email;               // the address every client tried
  std::vector<unsigned> statuses;  // the answer each client got
  int winner = -1;                 // the client whose registration was created (201), -1 if none

  // The password client i registered with: only the winner's may log in afterwards.
  static std::string password_of(int i);
};

// Clients 0..n-1, client i connected to port_of(i), all POST /v1/users with the same fresh
// address (and each its own password) at once. Records a failure unless every client got an
// answer, exactly one of them 201 and every other the 409 email_taken problem.
RegistrationRace race_registration(const std::function<unsigned short(int)>& port_of, int n);

}  // namespace vestibule::e2e
