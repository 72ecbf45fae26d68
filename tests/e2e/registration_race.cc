#include "registration_race.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "api_helpers.h"
#include "parallel_clients.h"

namespace vestibule::e2e {

std::string RegistrationRace::password_of(int i) { return "race password " + std::to_string(i); }

RegistrationRace race_registration(const std::function<unsigned short(int)>& port_of, int n) {
  RegistrationRace race{.email = unique_email("race"),
                        .statuses = std::vector<unsigned>(static_cast<std::size_t>(n))};
  std::vector<std::string> problems(static_cast<std::size_t>(n));

  std::vector<std::string> errors = run_together_on(port_of, n, [&](int i, HttpClient& c) {
    const auto index = static_cast<std::size_t>(i);
    Response res =
        c.post("/v1/users", {{"name", "Racer"}, {"email", race.email}, {"password", RegistrationRace::password_of(i)}});
    race.statuses[index] = res.result_int();
    if (res.result_int() != 201u && !is_problem(res, 409, "email_taken")) problems[index] = describe(res);
  });
  EXPECT_THAT(errors, ::testing::Each(::testing::Eq("")));
  EXPECT_THAT(problems, ::testing::Each(::testing::Eq("")));
  EXPECT_EQ(std::count(race.statuses.begin(), race.statuses.end(), 201u), 1);
  EXPECT_EQ(std::count(race.statuses.begin(), race.statuses.end(), 409u), n - 1);

  const auto won = std::find(race.statuses.begin(), race.statuses.end(), 201u);
  if (won != race.statuses.end()) race.winner = static_cast<int>(won - race.statuses.begin());
  return race;
}

}  // namespace vestibule::e2e
