// `ink witness`: the network side of a witness; what it checks and keeps is
// in src/witness.
#include "cli/witness_cmd.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "cli/command_support.h"
#include "cli/proof_io.h"
#include "core/cosignature.h"
#include "core/decode.h"
#include "core/encoding.h"
#include "core/key_trust.h"
#include "witness/witness_check.h"
#include "witness/witness_state.h"

namespace ink::cli {

using core::Json;
using namespace std::chrono_literals;

namespace {

extern "C" void on_witness_stop(int) { request_stop(); }

struct Misbehaviour {
  witness::Finding finding;
};

class Witness {
 public:
  Witness(const WitnessOptions& o, witness::WitnessState& state, core::SigningKey key,
          HttpClient& http, std::ostream& out, std::ostream& err)
      : o_(o), state_(state), key_(std::move(key)), api_(http), out_(out), err_(err) {}

  // Looks at the log's current head and cosigns every new head up to it.
  void step() {
    auto current = api_.head(std::nullopt);
    const uint64_t c = current->head.interval.index;
    uint64_t first = state_.cosigned ? state_.cosigned->index + 1 : c;
    if (state_.cosigned && c <= state_.cosigned->index) {
      consider(*current);  // the same head again (or an older one): a fork shows here
      return;
    }
    for (uint64_t i = first; i <= c && !done(); ++i) {
      if (i == c) {
        consider(*current);
      } else if (auto h = api_.head(i)) {
        consider(*h);
      } else {
        return;  // not served yet: the next step gets it
      }
    }
  }

  bool done() const { return o_.count > 0 && cosigned_ >= o_.count; }

 private:
  // A head signed by another key than the one pinned (docs/keys.md): the
  // witness pins the new key only when the log's key list links it to the
  // pinned one by valid key transitions and the head is in the new key's
  // range; otherwise check_head_to_cosign refuses the head ("wrong-key").
  void follow_log_key(const FetchedHead& h) {
    std::vector<core::ListedKey> listed;
    try {
      listed = api_.key_listing();
    } catch (const MalformedAnswer&) {
      return;
    }
    auto trust = core::make_key_trust({state_.log_key}, {listed}, h.head.authority);
    if (!trust) return;
    const core::KeyChain* chain = trust->chain_of(h.head.key);
    if (!chain || trust->refusal(h.head.interval.index, h.head.key)) return;
    const core::ChainKey* next = chain->find(h.head.key);
    const core::ChainKey* pinned = chain->find(core::key_id(state_.log_key));
    if (!pinned || next->first_interval <= pinned->first_interval) return;  // forwards only
    state_.log_key = next->public_key;
    auto saved = witness::save_state(o_.state_dir, state_);
    if (!saved.ok()) throw UsageOrIoError(saved.error().message);
    err_ << "ink witness: the log's key " << h.head.key
         << " follows the pinned key by a checked key transition (signs from "
         << next->first_interval << "); pinned it" << std::endl;
  }

  void consider(const FetchedHead& h) {
    const uint64_t i = h.head.interval.index;
    if (h.head.key != core::key_id(state_.log_key)) follow_log_key(h);
    std::optional<core::ConsistencyProof> proof;
    if (state_.cosigned && i > state_.cosigned->index)
      proof = api_.consistency(state_.cosigned->index, i);
    auto verdict = witness::check_head_to_cosign(state_, h.head, h.raw, proof);
    if (verdict.kind == witness::Verdict::Kind::kMisbehaviour)
      throw Misbehaviour{std::move(verdict.finding)};
    if (verdict.kind == witness::Verdict::Kind::kOlder) return;
    // The log has shown the head cosigned last (or a consistent extension of
    // it): send that cosignature again once after a start, for the process
    // may have died between saving it and sending it (the log stores it once).
    if (resubmit_pending_ && state_.cosigned) submit(state_.cosigned->index, state_.cosigned->mth);
    resubmit_pending_ = false;
    if (verdict.kind == witness::Verdict::Kind::kCosignedBefore) return;
    // Durably first: once this returns, no other root can be cosigned for i.
    if (state_.authority.empty()) state_.authority = h.head.authority;
    state_.cosigned = witness::CosignedHead{i, h.head.mth};
    auto saved = witness::save_state(o_.state_dir, state_);
    if (!saved.ok()) throw UsageOrIoError(saved.error().message);
    submit(i, h.head.mth);
    ++cosigned_;
    if (o_.common.json)
      out_ << Json{{"event", "cosigned"}, {"index", i}, {"mth", core::to_base64(h.head.mth)}}.dump()
           << std::endl;
    else
      out_ << "cosigned head " << i << " (" << core::to_base64(h.head.mth) << ")" << std::endl;
  }

  void submit(uint64_t i, const core::Hash& mth) {
    auto signature = key_.sign(core::cosignature_statement(state_.authority, i, mth, state_.name));
    try {
      api_.cosign(i, key_.key_id(), signature);
    } catch (const ApiError& e) {
      // 400 and 403 say this witness is set up otherwise than the log lists it.
      if (e.status() == 400 || e.status() == 403)
        throw UsageOrIoError(std::string(e.what()) + " (is \"" + state_.name + "\" with key " +
                             key_.key_id() + " in the log's INK_WITNESSES?)");
      throw;
    }
  }

  const WitnessOptions& o_;
  witness::WitnessState& state_;
  core::SigningKey key_;
  Api api_;
  std::ostream& out_;
  std::ostream& err_;
  uint64_t cosigned_ = 0;
  bool resubmit_pending_ = true;
};

void pause_for(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until && !stop_requested())
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(50ms, d));
}

core::SigningKey load_witness_key(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  if (!text) throw UsageOrIoError(text.error().message);
  auto key = core::SigningKey::from_pem(*text);
  if (!key) throw UsageOrIoError("witness key " + path.string() + ": " + key.error().message);
  return std::move(*key);
}

// Whether the key file is a key list whose entries after the first each
// carry the transition from the one before (a single chain).
bool is_one_key_chain(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  if (!text) return false;
  auto json = core::decode_json_strict(*text);
  if (!json) return false;
  auto listed = core::key_listing_from_json(*json);
  if (!listed || listed->empty()) return false;
  return std::all_of(listed->begin() + 1, listed->end(),
                     [](const core::ListedKey& k) { return k.transition.has_value(); });
}

// Whether the log's key list links `pinned` to the state's key.
bool linked_by_transitions(const ServerUrl& url, const WitnessOptions& o, std::ostream& err,
                           const core::PublicKey& pinned, const witness::WitnessState& state) {
  HttpClient http(url, o.common.http(err));
  auto trust = core::make_key_trust({pinned}, {Api(http).key_listing()}, state.authority);
  return trust.ok() && trust->chain_of(core::key_id(state.log_key)) != nullptr;
}

}  // namespace

int run_witness(const WitnessOptions& o, std::ostream& out, std::ostream& err) {
  return guarded(err, [&]() -> int {
    if (o.name.empty() || o.name.size() > core::kMaxWitnessNameBytes)
      throw UsageOrIoError("--name must be 1 to 128 bytes, as the log lists this witness");
    auto key = load_witness_key(o.key_file);
    auto log_keys = load_keys(o.log_key_file);
    // Several keys only as one chain of key transitions (`ink key` after a
    // rotation, docs/keys.md): the witness pins its first key and follows.
    if (log_keys.size() != 1 && !is_one_key_chain(o.log_key_file))
      throw UsageOrIoError("--log-key " + o.log_key_file.string() + " holds " +
                           std::to_string(log_keys.size()) +
                           " keys that are not one chain of key transitions; give the one to pin");
    auto url = server_url(o.common);
    auto loaded = witness::load_state(o.state_dir);
    if (!loaded.ok()) throw UsageOrIoError(loaded.error().message);
    witness::WitnessState state;
    if (loaded->has_value()) {
      state = std::move(**loaded);
      // A witness that followed a key transition pins the later key; the
      // --log-key file may still hold the first one.
      const bool listed =
          std::find(log_keys.begin(), log_keys.end(), state.log_key) != log_keys.end();
      if (!listed && !linked_by_transitions(url, o, err, log_keys[0], state))
        throw UsageOrIoError("the state in " + o.state_dir.string() +
                             " pins another log key, not reached from --log-key by key "
                             "transitions; use a new folder");
      if (state.name != o.name || state.witness_key != key.key_id())
        throw UsageOrIoError("the state in " + o.state_dir.string() +
                             " belongs to another log key, name or witness key; use a new folder");
    } else {
      state.server = url.text();
      state.log_key = log_keys[0];
      state.name = o.name;
      state.witness_key = key.key_id();
      auto saved = witness::save_state(o.state_dir, state);
      if (!saved.ok()) throw UsageOrIoError(saved.error().message);
    }
    struct sigaction sa {};
    sa.sa_handler = on_witness_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    HttpOptions http_options = o.common.http(err);
    HttpClient http(url, http_options);
    Witness w(o, state, key, http, out, err);
    // New heads wake it up on the live feed; --poll is the look it takes
    // anyway (feed silent or down), and each look catches up on every head
    // since the one cosigned last.
    LiveFeed feed(url, http_options);
    const auto poll = std::chrono::milliseconds(static_cast<int64_t>(o.poll_seconds * 1000));
    auto backoff = 500ms;
    try {
      while (!stop_requested() && !w.done()) {
        try {
          if (!feed.connected()) {
            try {
              feed.connect();
            } catch (const NetworkError&) {
              // polling meanwhile
            }
          }
          w.step();
          backoff = 500ms;
          if (w.done()) break;
          if (feed.connected()) {
            try {
              feed.next(poll);  // a frame, or silence: look at the log either way
            } catch (const NetworkError&) {
              pause_for(poll);
            }
          } else {
            pause_for(poll);
          }
        } catch (const NetworkError& e) {
          err << "ink witness: " << e.what() << "; retrying in " << backoff.count() << " ms"
              << std::endl;
          pause_for(backoff);
          backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
        } catch (const ApiError& e) {
          err << "ink witness: " << e.what() << "; retrying in " << backoff.count() << " ms"
              << std::endl;
          pause_for(backoff);
          backoff = std::min<std::chrono::milliseconds>(backoff * 2, 30s);
        }
      }
      return kExitOk;
    } catch (const Interrupted&) {
      return kExitOk;
    } catch (const Misbehaviour& m) {
      auto saved = witness::save_evidence(o.state_dir, m.finding.kind, m.finding.evidence);
      err << "ink witness: MISBEHAVIOUR (" << m.finding.kind << "): " << m.finding.message
          << "\nink witness: cosigning nothing more.\n";
      if (saved.ok())
        err << "ink witness: evidence saved to " << saved->string() << "\n";
      else
        err << "ink witness: could not save the evidence (" << saved.error().message << "):\n"
            << m.finding.evidence.dump(2) << "\n";
      if (o.common.json)
        out << Json{{"event", "misbehaviour"},
                    {"kind", m.finding.kind},
                    {"message", m.finding.message},
                    {"evidence_file", saved.ok() ? saved->string() : ""}}
                   .dump()
            << std::endl;
      return kExitInvalid;
    }
  });
}

int run_witness_keygen(const std::filesystem::path& key_file, const std::string& name,
                       std::ostream& out, std::ostream& err) {
  return guarded(err, [&]() -> int {
    auto key = core::SigningKey::generate();
    if (!key) throw UsageOrIoError(key.error().message);
    std::string pem = key->to_pem();
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      throw UsageOrIoError("cannot create " + key_file.string() + ": " + std::strerror(errno) +
                           (errno == EEXIST ? " (a key is never overwritten)" : ""));
    bool ok = ::write(fd, pem.data(), pem.size()) == ssize_t(pem.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw UsageOrIoError("cannot write " + key_file.string());
    out << Json{{"name", name.empty() ? std::string("NAME") : name},
                {"public_key", core::to_base64(key->public_key())}}
               .dump()
        << std::endl;
    err << "ink witness: key " << key->key_id() << " written to " << key_file.string()
        << "; give the line above to the log's operator (INK_WITNESSES)\n";
    return kExitOk;
  });
}

}  // namespace ink::cli
