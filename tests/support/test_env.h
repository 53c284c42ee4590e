#pragma once
// Support for integration tests that run against the real PostgreSQL and
// Redis started by the ctest fixture "services" (scripts/services.sh).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ink::test {

// KEY=VALUE lines of a shell-style env file (as scripts/services.sh writes).
std::map<std::string, std::string> read_env_file(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral
// range, never handed out twice by this process.
int free_port();

// Values from $INK_TEST_ENV: DATABASE_URL, REDIS_URL, PG_PORT, REDIS_PORT.
const std::map<std::string, std::string>& test_env();
std::string env_value(const std::string& key);  // test_env() first, then getenv; "" if unset
std::string source_dir();                       // $INK_SOURCE_DIR
std::string bin_dir();                          // $INK_BIN_DIR (the programs)
std::string testenv_dir();                      // where the fixture's services live

// Creates a new, empty database owned by the test role and returns its URL.
// Each test gets its own database, so tests never see each other's rows.
std::string fresh_database(const std::string& prefix = "t");

// Runs a statement and returns the first column of the first row ("" if none).
std::string query_value(const std::string& database_url, const std::string& sql);

// Stops / starts the fixture's Redis (for outage tests).
void stop_redis();
void start_redis();

// A child process with its output appended to a log file.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> extra_env,
          std::string log_path);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  int wait();  // exit status (or 128+signal)
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// Polls cond every 20 ms until it is true or the timeout passes.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

std::string read_file(const std::string& path);

// Resident memory of a process (VmRSS), KiB; -1 if it cannot be read.
long rss_kib(pid_t pid);

}  // namespace ink::test
