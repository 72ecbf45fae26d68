// Runs one piece of work on many threads at once, each with its own connection, to make requests
// really overlap: every thread connects first, then all are released together by a latch.
#pragma once

#include <exception>
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http_client.h"

namespace vestibule::e2e {

// Calls work(i, client) for i in [0, n) on n threads, thread i's client connected to port_of(i)
// (e.g. alternating between two instances). Returns, per thread, the message of the exception it
// ended with ("" if none), so that transport failures are reported, not lost.
template <typename PortOf, typename Work>
std::vector<std::string> run_together_on(PortOf port_of, int n, Work work) {
  std::vector<std::string> errors(static_cast<std::size_t>(n));
  std::latch start(n);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        auto& error = errors[static_cast<std::size_t>(i)];
        HttpClient client(port_of(i));
        try {
          client.connect();
        } catch (const std::exception& e) {
          error = e.what();
        }
        start.arrive_and_wait();  // reached by every thread, even one that failed to connect
        if (!error.empty()) return;
        try {
          work(i, client);
        } catch (const std::exception& e) {
          error = e.what();
        }
      });
    }
  }  // jthreads join here
  return errors;
}

// run_together_on with every client on one port.
template <typename Work>
std::vector<std::string> run_together(unsigned short port, int n, Work work) {
  return run_together_on([port](int) { return port; }, n, std::move(work));
}

}  // namespace vestibule::e2e
