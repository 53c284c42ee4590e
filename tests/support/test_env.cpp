#include "support/test_env.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ink::test {

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return m;
}

namespace {

bool can_bind(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(uint16_t(port));
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return bound;
}

}  // namespace

int free_port() {
  // Outside the kernel's ephemeral range: a port from it can be taken by an
  // outgoing connection between choosing it and listening on it.
  int low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  static std::mutex mutex;
  static std::set<int> handed_out;
  static std::mt19937 random{std::random_device{}()};
  std::lock_guard lock(mutex);
  std::uniform_int_distribution<int> pick(10000, 65535);
  for (int attempt = 0; attempt < 10000; ++attempt) {
    const int port = pick(random);
    if ((port >= low && port <= high) || handed_out.count(port) || !can_bind(port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw std::runtime_error("no free port outside the ephemeral range");
}

const std::map<std::string, std::string>& test_env() {
  static const std::map<std::string, std::string> values = [] {
    const char* path = std::getenv("INK_TEST_ENV");
    return path ? read_env_file(path) : std::map<std::string, std::string>{};
  }();
  return values;
}

std::string env_value(const std::string& key) {
  auto it = test_env().find(key);
  if (it != test_env().end()) return it->second;
  const char* v = std::getenv(key.c_str());
  return v ? v : "";
}

// ctest passes only INK_TEST_ENV reliably (gtest_discover_tests splits list
// properties), so the folders fall back to what CMake compiled in.
std::string source_dir() {
  auto v = env_value("INK_SOURCE_DIR");
  return v.empty() ? INK_DEFAULT_SOURCE_DIR : v;
}
std::string bin_dir() {
  auto v = env_value("INK_BIN_DIR");
  return v.empty() ? INK_DEFAULT_BIN_DIR : v;
}
std::string testenv_dir() {
  auto v = env_value("INK_TESTENV_DIR");
  if (!v.empty()) return v;
  std::string env_file = env_value("INK_TEST_ENV");
  auto slash = env_file.rfind('/');
  return slash == std::string::npos ? INK_DEFAULT_TESTENV_DIR : env_file.substr(0, slash);
}

static std::string exec_sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + msg);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(res);
  std::string out;
  if (status == PGRES_TUPLES_OK && PQntuples(res) > 0) out = PQgetvalue(res, 0, 0);
  std::string err = PQresultErrorMessage(res);
  PQclear(res);
  PQfinish(conn);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw std::runtime_error("query failed: " + sql + ": " + err);
  return out;
}

std::string fresh_database(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const std::string base = env_value("DATABASE_URL");
  if (base.empty())
    throw std::runtime_error("DATABASE_URL not set: run through ctest (fixture services)");
  std::string name = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  exec_sql(base, "DROP DATABASE IF EXISTS " + name);
  exec_sql(base, "CREATE DATABASE " + name);
  auto slash = base.rfind('/');
  return base.substr(0, slash + 1) + name;
}

std::string query_value(const std::string& database_url, const std::string& sql) {
  return exec_sql(database_url, sql);
}

static void run_services(const std::string& what) {
  std::string cmd = source_dir() + "/scripts/services.sh " + what + " " + testenv_dir();
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}
void stop_redis() { run_services("stop-redis"); }
void start_redis() { run_services("start-redis"); }

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> extra_env,
                 std::string log_path)
    : log_path_(std::move(log_path)) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto key = kv.substr(0, kv.find('='));
    if (!extra_env.count(key)) env_strings.push_back(kv);
  }
  for (auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Die with the test: an aborted test must not leave a worker running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    // A bare program name is looked up in PATH (redis-server, ...).
    if (std::strchr(args[0], '/'))
      execve(args[0], args.data(), envp.data());
    else
      execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

bool Process::running() {
  if (status_ != -1) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return false;
}

void Process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

int Process::wait() {
  if (status_ != -1) return status_;
  int st = 0;
  waitpid(pid_, &st, 0);
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace ink::test
