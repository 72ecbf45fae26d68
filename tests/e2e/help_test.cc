// `vestibule serve --help` against README's tables of settings (Configuration and Mail): every
// flag is in both, and each default README gives is the one --help prints, which flags.cc takes
// from the settings structs themselves. So a default changed in the code and not in README (or
// the other way round) fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/command.h"

namespace vestibule::e2e {
namespace {

// Flag -> the default --help prints ("" when it prints none).
std::map<std::string, std::string> help_defaults() {
  const std::string help = testing::command_output({VESTIBULE_BINARY, "serve", "--help"});
  std::map<std::string, std::string> out;
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    // "  --flag[,--other] TYPE[=DEFAULT] (Env:NAME)"; descriptions sit on their own lines.
    if (!line.starts_with("  --")) continue;
    std::string head = line.substr(2, line.find(" (Env:") - 2);
    std::string names = head.substr(0, head.find_first_of(" {"));
    std::string value;
    if (const std::size_t eq = head.find('='); eq != std::string::npos) value = head.substr(eq + 1);
    std::istringstream each(names);
    for (std::string name; std::getline(each, name, ',');) out[name] = value;
  }
  out.erase("--help");
  return out;
}

// The part of README from the heading `from` to the next heading of its level.
std::string section(const std::string& readme, const std::string& from) {
  const std::size_t begin = readme.find("\n" + from + "\n");
  if (begin == std::string::npos) return "";
  const std::size_t end = readme.find("\n## ", begin + from.size() + 1);
  return readme.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

struct Documented {
  std::string cell;  // the default column as written
  // The literal default, when the column is one (`64`) or one per flag of the row (`10` per
  // `900` s); otherwise (cores, none, off, prose) empty and `literal` false.
  std::string value;
  bool literal = false;
};

// Flag -> what README's settings tables say of its default.
std::map<std::string, Documented> readme_defaults() {
  std::ifstream file(VESTIBULE_README);
  const std::string readme((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::map<std::string, Documented> out;
  const std::regex backticked("`([^`]*)`");
  for (const std::string& part : {section(readme, "## Configuration"), section(readme, "## Mail")}) {
    std::istringstream lines(part);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("| `--")) continue;
      const std::size_t second = line.find(" | ", 2);
      const std::size_t third = line.find(" | ", second + 3);
      const std::string flags_cell = line.substr(2, second - 2);
      const std::string default_cell = line.substr(second + 3, third - second - 3);
      std::vector<std::string> flags;
      for (std::sregex_iterator it(flags_cell.begin(), flags_cell.end(), backticked), end; it != end; ++it) {
        const std::string f = (*it)[1];
        flags.push_back(f.substr(0, f.find(' ')));
      }
      std::vector<std::string> values;
      for (std::sregex_iterator it(default_cell.begin(), default_cell.end(), backticked), end; it != end; ++it) {
        values.push_back((*it)[1]);
      }
      // Literal: nothing but the backticked values (and "per ... s" between a pair's two).
      const std::string rest = std::regex_replace(default_cell, backticked, "");
      const bool literal = !values.empty() && std::regex_match(rest, std::regex("( per  s)?")) &&
                           (values.size() == 1 || values.size() == flags.size());
      for (std::size_t i = 0; i < flags.size(); ++i) {
        Documented d{default_cell, "", literal};
        if (literal) d.value = values.size() == 1 ? values[0] : values[i];
        out[flags[i]] = d;
      }
    }
  }
  return out;
}

TEST(HelpTest, EveryServeFlagIsInReadmesTablesAndNoOther) {
  const auto help = help_defaults();
  const auto readme = readme_defaults();
  ASSERT_GT(help.size(), 50u) << "--help parsed to too few flags";
  for (const auto& [flag, value] : help) EXPECT_TRUE(readme.contains(flag)) << flag << " is not in README's tables";
  for (const auto& [flag, d] : readme) EXPECT_TRUE(help.contains(flag)) << flag << " is in README but not in --help";
}

TEST(HelpTest, ReadmeGivesTheDefaultsServeHelpPrints) {
  const auto help = help_defaults();
  const std::string cores = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  int literals = 0;
  for (const auto& [flag, d] : readme_defaults()) {
    const auto it = help.find(flag);
    if (it == help.end()) continue;  // the test above says so
    if (d.literal) {
      ++literals;
      EXPECT_EQ(it->second, d.value) << flag << ": README says " << d.cell;
    } else if (d.cell == "cores") {
      EXPECT_EQ(it->second, cores) << flag << ": README says one per core";
    } else {
      // none, off, on, built-in or prose: the default is no value of the flag's own.
      EXPECT_EQ(it->second, "") << flag << ": README says \"" << d.cell << "\"";
    }
  }
  EXPECT_GT(literals, 40) << "README's tables parsed to too few defaults";
}

}  // namespace
}  // namespace vestibule::e2e
