#include "mail/file_transport.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace vestibule::mail {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> names(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FileTransport, WritesEachMessageAsIdDotEmlAndARedeliveryReplacesIt) {
  support::TempDir tmp("file-transport");
  const auto dir = tmp.path() / "mail" / "out";  // created on the first send
  FileTransport transport(dir);
  const Envelope a{"id-a", "no-reply@localhost", "ann@example.com"};
  EXPECT_EQ(transport.send(a, "first\r\n").outcome, SendResult::Outcome::sent);
  EXPECT_EQ(transport.send(Envelope{"id-b", a.from, a.recipient}, "other\r\n").outcome, SendResult::Outcome::sent);
  EXPECT_EQ(transport.send(a, "second\r\n").outcome, SendResult::Outcome::sent);
  EXPECT_EQ(names(dir), (std::vector<std::string>{"id-a.eml", "id-b.eml"}));  // no temporary files left
  EXPECT_EQ(read(dir / "id-a.eml"), "second\r\n");
  EXPECT_EQ(read(dir / "id-b.eml"), "other\r\n");
  // Only the owner may read them: they carry live tokens.
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(dir / "id-a.eml").permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir).permissions(), fs::perms::owner_all);
}

TEST(FileTransport, RefusesAnIdThatWouldLeaveTheDirectory) {
  support::TempDir tmp("file-transport");
  FileTransport transport(tmp.path());
  for (const char* id : {"../escape", "a/b", ".hidden", ""}) {
    EXPECT_EQ(transport.send(Envelope{id, "f@x.example", "t@x.example"}, "x").outcome, SendResult::Outcome::permanent)
        << id;
  }
  EXPECT_TRUE(names(tmp.path()).empty());
}

TEST(FileTransport, AnUnwritableDirectoryIsTransient) {
  support::TempDir tmp("file-transport");
  std::ofstream(tmp.path() / "file") << "not a directory";
  FileTransport transport(tmp.path() / "file" / "mail");
  EXPECT_EQ(transport.send(Envelope{"id", "f@x.example", "t@x.example"}, "x").outcome, SendResult::Outcome::transient);
}

}  // namespace
}  // namespace vestibule::mail
