// `ink monitor`: follows a log and checks every head against all it has seen.
#include <signal.h>

#include <algorithm>
#include <random>
#include <thread>

#include "cli/api.h"
#include "cli/cli.h"
#include "cli/monitor_log.h"
#include "cli/proof_io.h"
#include "core/compact_string.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/key_trust.h"
#include "core/verify.h"

namespace ink::cli {

using core::Json;
using namespace std::chrono_literals;

namespace {

extern "C" void on_stop_signal(int) { request_stop(); }

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// The log misbehaved; carries the finding out of the loop.
struct Misbehaviour {
  Finding finding;
};

// Sleeps, waking early on a stop request.
void pause_for(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until && !stop_requested())
    std::this_thread::sleep_for(50ms);
}

class Monitor {
 public:
  Monitor(const MonitorOptions& o, MonitorLog& log, HttpClient& http, std::ostream& out,
          std::ostream& err)
      : o_(o), log_(log), api_(http), out_(out), err_(err) {}

  // Fetches head i; a malformed answer is itself misbehaviour.
  std::optional<FetchedHead> fetch(std::optional<uint64_t> index) {
    try {
      return api_.head(index);
    } catch (const MalformedAnswer& e) {
      throw Misbehaviour{
          log_.malformed(index ? "/api/v1/mth/" + std::to_string(*index) : "/api/v1/mth/current",
                         e.what(), e.body())};
    }
  }

  void append(const FetchedHead& h) {
    follow_key(h);
    if (auto f = log_.append(h.head, h.raw)) throw Misbehaviour{std::move(*f)};
    ++new_heads_;
    if (o_.common.json) {
      out_ << Json{{"event", "head"},
                   {"index", h.head.interval.index},
                   {"timestamp", h.head.interval.timestamp},
                   {"mth", core::to_base64(h.head.mth)},
                   {"key", h.head.key}}
                  .dump()
           << std::endl;
    } else {
      out_ << "ok  "
           << core::format_compact(
                  core::CompactHead{h.head.authority, h.head.interval.index, h.head.mth})
           << "  closed " << h.head.interval.timestamp << std::endl;
    }
  }

  // Keys (docs/keys.md): a head signed by a key not pinned yet is accepted
  // only when the server's key list links that key to a pinned one by valid
  // transitions; otherwise log_.append finds "unknown-key". And a head signed
  // by a trusted key outside its range (retired, revoked) is misbehaviour.
  void follow_key(const FetchedHead& h) {
    const core::SignedHead& head = h.head;
    auto pinned = [&] {
      return std::any_of(log_.keys().begin(), log_.keys().end(),
                         [&](const core::PublicKey& k) { return core::key_id(k) == head.key; });
    };
    if (!trust_ || !pinned()) refresh_trust(head.authority);
    if (!trust_) return;
    if (!pinned()) {
      const core::KeyChain* chain = trust_->chain_of(head.key);
      if (!chain) return;  // no transition from a pinned key: log_.append reports it
      const core::ChainKey* k = chain->find(head.key);
      log_.add_key(k->public_key);
      note("key " + head.key +
           " follows the pinned key(s) by a checked key transition (signs from " +
           std::to_string(k->first_interval) + "); trusting it from now on");
    }
    if (auto why = trust_->refusal(head.interval.index, head.key)) {
      throw Misbehaviour{Finding{"key-range",
                                 "Head " + std::to_string(head.interval.index) + ": " + *why + ".",
                                 Json{{"received", h.raw}, {"keys", keys_raw_}}}};
    }
  }

  void refresh_trust(const std::string& authority) {
    try {
      std::vector<core::ListedKey> listed = api_.key_listing(&keys_raw_);
      auto trust = core::make_key_trust(log_.keys(), {listed}, authority);
      if (!trust) {
        throw Misbehaviour{Finding{"bad-key-transition",
                                   "The server's key list does not hold: " + trust.error().message,
                                   Json{{"keys", keys_raw_}}}};
      }
      trust_ = std::move(*trust);
    } catch (const MalformedAnswer& e) {
      throw Misbehaviour{log_.malformed("/api/v1/keys", e.what(), e.body())};
    }
  }

  void compare(const FetchedHead& h) {
    if (auto f = log_.compare(h.head, h.raw)) throw Misbehaviour{std::move(*f)};
  }

  bool done() const { return o_.count > 0 && new_heads_ >= o_.count; }

  void flush() {
    auto s = log_.flush();
    if (!s) throw std::runtime_error(s.error().message);
  }

  // After a restart: the heads seen before must still be what the server shows.
  void recheck_after_restart() {
    if (log_.size() == 0) return;
    std::vector<uint64_t> indexes{log_.size() - 1};
    std::mt19937_64 rng{std::random_device{}()};
    for (int n = 0; n < o_.recheck && log_.size() > 1; ++n)
      indexes.push_back(std::uniform_int_distribution<uint64_t>(0, log_.size() - 2)(rng));
    for (uint64_t i : indexes) {
      auto h = fetch(i);
      if (!h) {
        throw Misbehaviour{Finding{
            "rollback",
            "The server no longer has head " + std::to_string(i) + ", which it published before.",
            Json{{"index", i}, {"server_answer", 404}}}};
      }
      compare(*h);
    }
    note("the " + std::to_string(indexes.size()) + " earlier head(s) re-fetched are unchanged");
  }

  // Brings the log up to the server's current head.
  void catch_up() {
    auto current = fetch(std::nullopt);
    const uint64_t c = current->head.interval.index;
    if (c < log_.size()) {
      compare(*current);
      if (c + 1 < log_.size()) {
        throw Misbehaviour{Finding{
            "rollback",
            "The server's current head is " + std::to_string(c) + ", but it published head " +
                std::to_string(log_.size() - 1) + " before: the log was rolled back.",
            Json{{"received", current->raw}, {"heads_seen", log_.size()}}}};
      }
      return;
    }
    // The server's own consistency proof from the last head seen to its current one.
    if (log_.size() > 0 && c > log_.size()) check_consistency_to(*current);
    for (uint64_t i = log_.size(); i < c && !done(); ++i) {
      auto h = fetch(i);
      if (!h)
        throw Misbehaviour{Finding{"rollback",
                                   "The server has no head " + std::to_string(i) +
                                       " although its current head is " + std::to_string(c) + ".",
                                   Json{{"index", i}, {"received_current", current->raw}}}};
      append(*h);
    }
    if (!done()) append(*current);
    flush();
  }

  void check_consistency_to(const FetchedHead& current) {
    const uint64_t x = log_.size() - 1, y = current.head.interval.index;
    core::ConsistencyProof proof;
    try {
      proof = api_.consistency(x, y);
    } catch (const MalformedAnswer& e) {
      throw Misbehaviour{log_.malformed(
          "/api/v1/mth/" + std::to_string(y) + "/from/" + std::to_string(x), e.what(), e.body())};
    }
    auto result =
        core::verify_consistency(x + 1, y + 1, log_.record(x).mth, current.head.mth, proof.nodes);
    if (result != core::ProofError::kOk || proof.old_interval != x || proof.new_interval != y) {
      throw Misbehaviour{Finding{
          "bad-consistency",
          "The server's consistency proof from head " + std::to_string(x) + " (seen) to head " +
              std::to_string(y) + " does not check out (" + core::describe(result) + ").",
          Json{{"seen", Json{{"index", x}, {"mth", core::to_base64(log_.record(x).mth)}}},
               {"received_current", current.raw},
               {"proof", core::to_wire_json(core::to_json(proof))}}}};
    }
  }

  // One live-feed frame.
  void on_frame(const std::string& text) {
    FetchedHead h;
    try {
      h = parse_head_text(text, "live feed frame");
    } catch (const MalformedAnswer& e) {
      throw Misbehaviour{log_.malformed("live feed frame", e.what(), text)};
    }
    const uint64_t i = h.head.interval.index;
    if (i < log_.size()) {
      compare(h);
      return;
    }
    for (uint64_t j = log_.size(); j < i && !done(); ++j) {  // frames we missed
      auto missed = fetch(j);
      if (!missed) return;  // not there yet: the next catch-up gets it
      append(*missed);
    }
    if (!done()) append(h);
    flush();
  }

  void note(const std::string& message) {
    if (o_.common.json) {
      out_ << Json{{"event", "note"}, {"message", message}}.dump() << std::endl;
    } else {
      err_ << "ink monitor: " << message << std::endl;
    }
  }

 private:
  const MonitorOptions& o_;
  MonitorLog& log_;
  Api api_;
  std::ostream& out_;
  std::ostream& err_;
  uint64_t new_heads_ = 0;
  std::optional<core::KeyTrust> trust_;  // the server's key chains, from the pinned keys
  Json keys_raw_;                        // the key list they came from, for evidence
};

}  // namespace

int run_monitor(const MonitorOptions& o, std::ostream& out, std::ostream& err) {
  auto opened = MonitorLog::open(o.state_dir);
  if (!opened) {
    err << "ink: " << opened.error().message << "\n";
    return kExitError;
  }
  MonitorLog& log = *opened;
  std::string server_text = !o.common.server.empty() ? o.common.server
                            : !log.server().empty()  ? log.server()
                                                     : default_server();
  auto url = parse_server_url(server_text);
  if (!url) {
    err << "ink: " << url.error().message << "\n";
    return kExitError;
  }
  install_stop_handlers();
  HttpOptions http_options = o.common.http(err);
  HttpClient http(*url, http_options);
  Monitor monitor(o, log, http, out, err);
  try {
    // Keys are pinned once; afterwards a different key is a finding, not a choice.
    std::vector<core::PublicKey> given;
    if (o.key_file) {
      auto text = read_text_file(*o.key_file);
      if (!text) throw std::runtime_error(text.error().message);
      auto keys = parse_key_file(*text);
      if (!keys)
        throw std::runtime_error("key file " + o.key_file->string() + ": " + keys.error().message);
      given = std::move(*keys);
    }
    if (!log.pinned()) {
      if (given.empty()) {
        for (;;) {  // the server may not be up yet
          try {
            given = Api(http).keys();
            break;
          } catch (const NetworkError& e) {
            err << "ink monitor: " << e.what() << "; retrying" << std::endl;
            pause_for(2s);
            if (stop_requested()) throw Interrupted();
          }
        }
      }
      log.pin(url->text(), "", given);
      monitor.flush();
      std::string ids;
      for (const auto& k : given) ids.append(" ").append(core::key_id(k));
      monitor.note("pinned key(s)" + ids + " for " + url->text());
    } else if (!given.empty() && given != log.keys()) {
      err << "ink: the state in " << o.state_dir.string()
          << " already pins other keys; use a new state directory to pin these\n";
      return kExitError;
    }
    if (log.size() > 0)
      monitor.note("resuming after head " + std::to_string(log.size() - 1) + " (" +
                   std::to_string(log.size()) + " heads seen)");

    LiveFeed feed(*url, http_options);
    auto backoff = 500ms;
    bool rechecked = false;
    while (!stop_requested() && !monitor.done()) {
      try {
        if (!rechecked) {
          monitor.recheck_after_restart();
          rechecked = true;
        }
        if (!feed.connected()) {
          try {
            feed.connect();
          } catch (const NetworkError& e) {
            monitor.note(std::string("live feed unavailable, polling instead: ") + e.what());
          }
        }
        monitor.catch_up();
        backoff = 500ms;
        const auto poll = std::chrono::milliseconds(static_cast<int64_t>(o.poll_seconds * 1000));
        if (!feed.connected()) {
          pause_for(std::min<std::chrono::milliseconds>(poll, 2s));
          continue;
        }
        while (!monitor.done()) {
          auto frame = feed.next(poll);
          if (!frame) break;  // silence: ask for the current head
          monitor.on_frame(*frame);
        }
      } catch (const NetworkError& e) {
        monitor.note(std::string("network error: ") + e.what() + "; retrying in " +
                     std::to_string(backoff.count()) + " ms");
        pause_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
      } catch (const ApiError& e) {
        monitor.note(std::string(e.what()) + "; retrying in " + std::to_string(backoff.count()) +
                     " ms");
        pause_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
      }
    }
    monitor.flush();
    monitor.note("stopped after head " +
                 (log.size() ? std::to_string(log.size() - 1) : std::string("(none)")) +
                 "; state saved");
    return kExitOk;
  } catch (const Interrupted&) {
    monitor.flush();
    monitor.note("interrupted; state saved");
    return kExitOk;
  } catch (const Misbehaviour& m) {
    (void)log.flush();  // what was checked before the finding stays valid
    auto saved = log.save_evidence(m.finding);
    if (o.common.json) {
      Json j{{"event", "misbehaviour"}, {"kind", m.finding.kind}, {"message", m.finding.message}};
      if (saved) j["evidence_file"] = saved->string();
      out << j.dump() << std::endl;
    }
    err << "ink monitor: MISBEHAVIOUR (" << m.finding.kind << "): " << m.finding.message << "\n";
    if (saved) {
      err << "ink monitor: evidence saved to " << saved->string() << "\n";
    } else {
      err << "ink monitor: could not save the evidence (" << saved.error().message << "):\n"
          << m.finding.evidence.dump(2) << "\n";
    }
    return kExitInvalid;
  } catch (const std::exception& e) {
    err << "ink: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace ink::cli
