#include "worker/crash_hook.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace ink::worker {

CrashHook CrashHook::from_env() {
  CrashHook hook;
  const char* spec = std::getenv("INK_WORKER_CRASH_AT");
  if (!spec || !*spec) {
    spec = std::getenv("INK_WORKER_STOP_AT");
    hook.stop_ = true;
  }
  if (!spec || !*spec) return CrashHook();
  std::string s = spec;
  hook.remaining_ = 1;
  if (auto colon = s.find(':'); colon != std::string::npos) {
    hook.remaining_ = std::max(1, std::atoi(s.c_str() + colon + 1));
    s = s.substr(0, colon);
  }
  hook.phase_ = s;
  return hook;
}

void CrashHook::at(const char* phase) {
  if (remaining_ <= 0 || phase_ != phase) return;
  if (--remaining_ > 0) return;
  if (stop_) {
    static const char kStop[] = "INK_WORKER_STOP_AT: stopping the worker now (SIGSTOP)\n";
    [[maybe_unused]] auto n = ::write(2, kStop, sizeof kStop - 1);
    ::kill(::getpid(), SIGSTOP);
    return;  // continued by SIGCONT
  }
  static const char kMsg[] = "INK_WORKER_CRASH_AT: killing the worker now\n";
  [[maybe_unused]] auto n = ::write(2, kMsg, sizeof kMsg - 1);
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

}  // namespace ink::worker
