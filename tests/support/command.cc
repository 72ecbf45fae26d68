#include "support/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <tuple>

extern char** environ;

namespace vestibule::testing {
namespace {

std::string describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout) {
  if (argv.empty()) throw std::runtime_error("run_command: no command");
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("pipe failed");
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  int to_child = in[1], from_child = out[0], errors_from_child = err[0];
  if (rc != 0) {
    close_fd(to_child);
    close_fd(from_child);
    close_fd(errors_from_child);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }

  // Writing and reading through poll, so neither a full stdin pipe nor a full stdout or stderr
  // pipe can block us past the deadline.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) close_fd(to_child);
  CommandResult result;
  bool timed_out = false;
  while (from_child >= 0 || errors_from_child >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    // poll ignores entries whose descriptor is negative (closed ones).
    pollfd fds[3] = {{from_child, POLLIN, 0}, {errors_from_child, POLLIN, 0}, {to_child, POLLOUT, 0}};
    const int ready = ::poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (to_child >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(to_child, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN) written = input.size();  // the tool stopped reading
      if (written == input.size()) close_fd(to_child);
    }
    for (auto [index, fd, sink] : {std::tuple{0, &from_child, &result.out}, std::tuple{1, &errors_from_child, &result.err}}) {
      if (*fd < 0 || (fds[index].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(*fd, buffer, sizeof buffer);
      if (n > 0) {
        sink->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_fd(*fd);  // EOF: the tool closed the pipe (exited, normally)
      }
    }
  }
  close_fd(to_child);
  close_fd(from_child);
  close_fd(errors_from_child);
  int status = 0;
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    throw std::runtime_error(describe(argv) + " did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  // stdout and stderr are closed: the tool has exited or is about to; the rest of the deadline bounds the wait.
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throw std::runtime_error(describe(argv) + " closed its output but did not exit in time");
    }
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 5);  // a short wait between checks of a real condition (the exit)
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string command_output(const std::vector<std::string>& argv, const std::string& input,
                           std::chrono::milliseconds timeout) {
  CommandResult r = run_command(argv, input, timeout);
  if (r.exit_status != 0) {
    throw std::runtime_error(describe(argv) + " exited with status " + std::to_string(r.exit_status));
  }
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
  return r.out;
}

}  // namespace vestibule::testing
