#include "ops/clock_state.h"

#include <sys/timex.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace ink::ops {

ClockState clock_state_from_timex(const struct timex& tx, int state) {
  ClockState s;
  s.source = "kernel";
  if (state < 0) {
    s.problem = "adjtimex failed";
    return s;
  }
  s.readable = true;
  // TIME_ERROR is what the kernel answers while STA_UNSYNC is set (or a leap
  // second is being handled badly): either way the clock is not disciplined.
  s.synchronized = state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  // Both in microseconds (struct timex, adjtimex(2)).
  s.max_error_seconds = static_cast<double>(tx.maxerror) / 1e6;
  s.estimated_error_seconds = static_cast<double>(tx.esterror) / 1e6;
  return s;
}

ClockState read_kernel_clock() {
  struct timex tx;
  std::memset(&tx, 0, sizeof tx);  // modes 0: read only, changes nothing
  int state = ntp_adjtime(&tx);
  ClockState s = clock_state_from_timex(tx, state);
  if (state < 0) s.problem = std::string("ntp_adjtime: ") + std::strerror(errno);
  return s;
}

std::optional<double> chrony_offset_from_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, ',');) fields.push_back(f);
  // Reference ID, name, stratum, reference time, system time offset, ... leap status.
  if (fields.size() < 14) return std::nullopt;
  try {
    size_t used = 0;
    double offset = std::stod(fields[4], &used);
    if (used != fields[4].size() || !std::isfinite(offset)) return std::nullopt;
    return offset;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

namespace {

// chronyc answers through chronyd's control socket. Asked at most every 16 s:
// its offset moves slowly, and a process start per reading would not be free.
class ChronyReader {
 public:
  std::optional<double> offset() {
    auto now = std::chrono::steady_clock::now();
    if (now < next_) return last_;
    next_ = now + std::chrono::seconds(16);
    last_.reset();
    if (access("/usr/bin/chronyc", X_OK) != 0) return last_;
    FILE* pipe = popen("/usr/bin/chronyc -c -n tracking 2>/dev/null", "r");
    if (!pipe) return last_;
    char line[512] = {};
    if (std::fgets(line, sizeof line, pipe)) last_ = chrony_offset_from_csv(line);
    pclose(pipe);
    return last_;
  }

 private:
  std::chrono::steady_clock::time_point next_{};
  std::optional<double> last_;
};

}  // namespace

ClockStateSource kernel_clock_source() {
  auto chrony = std::make_shared<ChronyReader>();
  auto mutex = std::make_shared<std::mutex>();
  return [chrony, mutex] {
    ClockState s = read_kernel_clock();
    std::lock_guard lock(*mutex);
    if (auto offset = chrony->offset()) {
      s.offset_seconds = offset;
      s.source = "kernel+chrony";
    }
    return s;
  };
}

ClockState clock_state_from_json(const std::string& text, const std::string& source) {
  ClockState s;
  s.source = source;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  auto number = [&](const char* key) -> std::optional<double> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  if (!doc.is_object() || !doc.contains("synchronized") || !doc["synchronized"].is_boolean()) {
    s.problem = source + ": not a clock state (an object with a boolean \"synchronized\")";
    return s;
  }
  s.readable = true;
  s.synchronized = doc["synchronized"].get<bool>();
  s.max_error_seconds = number("max_error_seconds").value_or(0);
  s.estimated_error_seconds = number("estimated_error_seconds").value_or(0);
  s.offset_seconds = number("offset_seconds");
  return s;
}

ClockStateSource file_clock_source(std::string path) {
  return [path] {
    std::ifstream in(path);
    if (!in) {
      ClockState s;
      s.source = "file:" + path;
      s.problem = "cannot read " + path;
      return s;
    }
    std::stringstream text;
    text << in.rdbuf();
    return clock_state_from_json(text.str(), "file:" + path);
  };
}

ClockStateSource clock_state_source_from_env() {
  const char* file = std::getenv("INK_CLOCK_STATE_FILE");
  if (file && *file) return file_clock_source(file);
  return kernel_clock_source();
}

}  // namespace ink::ops
