// stamp, verify, head, key, and the command-line parser. The monitor lives
// in monitor_cmd.cpp.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/api.h"
#include "cli/cli.h"
#include "cli/command_support.h"
#include "cli/key_chain_cmd.h"
#include "cli/proof_check.h"
#include "cli/proof_io.h"
#include "cli/rfc3161_cmd.h"
#include "cli/witness_cmd.h"
#include "core/client_conventions.h"
#include "core/compact_string.h"
#include "core/encoding.h"
#include "core/json_write.h"
#include "core/proof_file.h"

namespace ink::cli {

using core::Json;
namespace fs = std::filesystem;

HttpOptions ServerOptions::http(std::ostream& err) const {
  HttpOptions h;
  h.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  h.attempts = std::max(1, retries + 1);
  if (!json) h.log = [&err](const std::string& m) { err << "ink: " << m << "\n"; };
  return h;
}

ServerUrl server_url(const ServerOptions& o) {
  auto url = parse_server_url(o.server.empty() ? default_server() : o.server);
  if (!url) throw UsageOrIoError(url.error().message);
  return *url;
}

std::vector<core::PublicKey> load_keys(const fs::path& path) {
  auto text = read_text_file(path);
  if (!text) throw UsageOrIoError(text.error().message);
  auto keys = parse_key_file(*text);
  if (!keys) throw UsageOrIoError("key file " + path.string() + ": " + keys.error().message);
  return std::move(*keys);
}

std::string compact_of(const core::TsAnswer& a) {
  const core::TsProof& p = *a.proof;
  return core::format_compact(
      core::CompactTs{p.head.authority, p.head.interval.index, a.timestamp, p.a, p.path});
}

Json steps_json(const core::CheckReport& report) {
  Json steps = Json::array();
  for (const auto& s : report.steps)
    steps.push_back(Json{{"name", s.name}, {"passed", s.passed}, {"message", s.message}});
  return steps;
}

void print_steps(const core::CheckReport& report, std::ostream& out) {
  for (const auto& s : report.steps)
    out << (s.passed ? "ok    " : "FAIL  ") << s.name << ": " << s.message << "\n";
}

TrustedKeys trusted_keys(const std::optional<fs::path>& key_file, HttpClient* http) {
  if (key_file) return {load_keys(*key_file), "pinned keys from " + key_file->string()};
  try {
    return {Api(*http).keys(), "keys fetched from " + http->server().text() +
                                   " (not pinned: use --key to check offline)"};
  } catch (const NetworkError& e) {
    throw NetworkError(std::string(e.what()) +
                       " (to verify offline, give the service's keys with --key KEYFILE)");
  }
}

core::SignedHead check_against_server(core::CheckReport& report, const core::SignedHead& proof_head,
                                      HttpClient& http, std::span<const core::PublicKey> keys) {
  Api api(http);
  auto current = api.head(std::nullopt);
  std::optional<core::ConsistencyProof> consistency;
  const uint64_t i = proof_head.interval.index;
  if (current->head.interval.index > i)
    consistency = api.consistency(i, current->head.interval.index);
  check_against_head(report, proof_head, current->head, consistency ? &*consistency : nullptr,
                     keys);
  return current->head;
}

int report_errors(std::ostream& err) {
  try {
    throw;
  } catch (const UsageOrIoError& e) {
    err << "ink: " << e.what() << "\n";
  } catch (const NetworkError& e) {
    err << "ink: network error: " << e.what() << "\n";
  } catch (const ApiError& e) {
    err << "ink: " << e.what() << "\n";
  } catch (const MalformedAnswer& e) {
    err << "ink: the server's answer is not valid: " << e.what() << "\n";
  } catch (const Interrupted&) {
    err << "ink: interrupted\n";
  }
  return kExitError;
}

namespace {

std::string compact_head(const core::SignedHead& h) {
  return core::format_compact(core::CompactHead{h.authority, h.interval.index, h.mth});
}

// ---------------------------------------------------------------- stamp

struct StampJob {
  StampJob(std::vector<fs::path> f, std::string l, fs::path p)
      : files(std::move(f)), label(std::move(l)), proof_path(std::move(p)) {}
  std::vector<fs::path> files;  // empty for --text
  std::string label;            // what the user calls it
  fs::path proof_path;          // "" = do not write
  // results
  int status = kExitOk;
  std::string message;  // error text
  std::string data;
  std::optional<core::TsAnswer> answer;
};

// `trust`: the keys each proof is checked with before it is saved; `chain`:
// the server's key list, saved in the proof file when it holds a key
// transition (docs/keys.md).
void stamp_one(StampJob& job, const StampOptions& o, const ServerUrl& url,
               const core::KeyTrust& trust, const std::vector<core::ListedKey>& chain,
               std::ostream& err) {
  try {
    if (!job.files.empty()) {
      auto data = data_for_files(job.files);
      if (!data) throw UsageOrIoError(data.error().message);
      job.data = std::move(*data);
    } else {
      job.data = data_for_text(*o.text);
    }
    HttpClient http(url, o.common.http(err));
    Api api(http);
    // The server holds ?wait up to its own limit (30 s by default).
    const auto wait_timeout =
        http.server().tls ? std::chrono::milliseconds(70000) : std::chrono::milliseconds(65000);
    const auto timeout = std::max(wait_timeout, o.common.http(err).timeout);
    core::TsAnswer answer =
        o.rfc3161 ? stamp_with_token(http, job.data, token_path_for(job.proof_path), timeout)
                  : api.stamp(job.data, timeout, 2);
    if (!answer.proof) {
      job.status = kExitError;
      job.message = "the server accepted the timestamp (id " + answer.id +
                    ") but gave no proof in time; fetch it later from /api/v1/ts/" + answer.id +
                    "/";
      return;
    }
    // Never save a proof that does not check out.
    core::CheckReport report = core::check_ts_proof(answer, job.data, trust.keys());
    if (report.passed()) core::enforce_key_range(report, trust, answer.proof->head, "signature");
    if (!report.passed()) {
      job.status = kExitInvalid;
      job.message = "the server's proof does not check out (" + report.first_failure()->name +
                    "): " + report.first_failure()->message;
      return;
    }
    if (!job.proof_path.empty()) {
      core::ProofFile proof;
      proof.authority = answer.proof->head.authority;
      proof.data = job.data;
      for (const auto& f : job.files) proof.files.push_back(f.filename().string());
      proof.timestamp = answer;
      proof.keys = chain;
      auto written = write_file_atomically(job.proof_path, format_proof_file(proof));
      if (!written) throw UsageOrIoError(written.error().message);
    }
    job.answer = std::move(answer);
  } catch (const UsageOrIoError& e) {
    job.status = kExitError;
    job.message = e.what();
  } catch (const NetworkError& e) {
    job.status = kExitError;
    job.message = std::string("network error: ") + e.what();
  } catch (const ApiError& e) {
    job.status = kExitError;
    job.message = e.what();
  } catch (const MalformedAnswer& e) {
    job.status = kExitError;
    job.message = std::string("the server's answer is not valid: ") + e.what();
  } catch (const Interrupted&) {
    job.status = kExitError;
    job.message = "interrupted";
  }
}

}  // namespace

namespace {

std::vector<core::Witness> load_witness_list(const fs::path& path) {
  auto text = read_text_file(path);
  if (!text) throw UsageOrIoError(text.error().message);
  auto list = core::parse_witness_list(*text);
  if (!list) throw UsageOrIoError("witness list " + path.string() + ": " + list.error().message);
  if (list->empty()) throw UsageOrIoError("witness list " + path.string() + " is empty");
  return std::move(*list);
}

size_t quorum_of(size_t asked, size_t listed) {
  size_t q = asked ? asked : listed;
  if (q > listed)
    throw UsageOrIoError("--quorum " + std::to_string(q) + " is more than the " +
                         std::to_string(listed) + " witnesses listed");
  return q;
}

// The step "witnesses": the proof file's witnessed head, else (or when it
// falls short) the server's newest head with the quorum.
core::CheckStep witnessed_step(const core::ProofFile& proof, std::span<const core::PublicKey> keys,
                               const fs::path& witnesses_file, size_t asked, HttpClient* http) {
  auto list = load_witness_list(witnesses_file);
  const size_t quorum = quorum_of(asked, list.size());
  const auto& head = proof.timestamp.proof->head;
  std::optional<core::CheckStep> step;
  if (proof.witnessed) {
    step = core::check_witnessed(head, *proof.witnessed, keys, list, quorum);
    step->message += " (from the proof file)";
  }
  if ((!step || !step->passed) && http) {
    if (auto fetched = Api(*http).cosigned(quorum, head.interval.index)) {
      step = core::check_witnessed(head, *fetched, keys, list, quorum);
      step->message += " (from the server)";
    }
  }
  if (!step)
    step = core::CheckStep{
        "witnesses", false,
        "No head cosigned by " + std::to_string(quorum) +
            " witnesses is known: the proof file "
            "carries none (ink upgrade adds it)" +
            (http ? ", and the server has none yet" : ", and no server was asked") + "."};
  return *step;
}

}  // namespace

namespace {
int upgrade_after_stamp(const StampOptions& o, const std::vector<fs::path>& proofs,
                        std::ostream& err);
}  // namespace

int run_stamp(const StampOptions& o, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    if (o.text && !o.files.empty()) throw UsageOrIoError("give FILE... or --text, not both");
    if (!o.text && o.files.empty())
      throw UsageOrIoError("nothing to stamp: give FILE... or --text TEXT");
    if (o.rfc3161 && (o.text || (o.together && o.files.size() > 1)))
      throw UsageOrIoError("--rfc3161 gets one token per file: not with --text or --together");
    const ServerUrl url = server_url(o.common);

    std::vector<StampJob> jobs;
    if (o.text) {
      jobs.emplace_back(std::vector<fs::path>{}, "text", o.out.value_or(fs::path()));
    } else if (o.together || o.files.size() == 1) {
      fs::path proof = o.out.value_or(default_proof_path(o.files.front()));
      std::string label;
      for (const auto& f : o.files) label += (label.empty() ? "" : " ") + f.string();
      jobs.emplace_back(o.files, label, proof);
    } else {
      if (o.out && !fs::is_directory(*o.out))
        throw UsageOrIoError("with several files, --out must be an existing directory (" +
                             o.out->string() + " is not)");
      for (const auto& f : o.files) {
        fs::path proof = o.out ? *o.out / default_proof_path(f).filename() : default_proof_path(f);
        jobs.emplace_back(std::vector<fs::path>{f}, f.string(), proof);
      }
    }
    for (const auto& f : o.files) {
      if (!fs::is_regular_file(f))
        throw UsageOrIoError("cannot read " + f.string() + ": not a regular file");
    }

    // Trusted keys to check each proof before saving it: the pinned file, or
    // the server's; later keys through the server's key chain (docs/keys.md).
    core::KeyTrust trust;
    std::vector<core::ListedKey> chain;
    {
      HttpClient http(url, o.common.http(err));
      Api api(http);
      chain = api.key_listing();
      std::vector<core::PublicKey> pinned;
      if (o.key_file) {
        pinned = load_keys(*o.key_file);
      } else {
        for (const auto& k : chain) pinned.push_back(k.public_key);
      }
      auto current = api.head(std::nullopt);
      if (!current) throw UsageOrIoError("the server has no head yet");
      trust = verification_trust(pinned, o.key_file, &http, current->head.authority, chain);
      const bool rotated = std::any_of(chain.begin(), chain.end(),
                                       [](const core::ListedKey& k) { return k.transition; });
      if (!rotated) chain.clear();  // nothing to carry: the key file alone will do
    }

    // Each worker thread has its own connection; jobs are taken in order.
    std::atomic<size_t> next{0};
    const size_t workers = std::min<size_t>(jobs.size(), static_cast<size_t>(std::max(1, o.jobs)));
    std::mutex err_mutex;
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
          std::ostringstream log;
          stamp_one(jobs[i], o, url, trust, chain, log);
          std::lock_guard lock(err_mutex);
          err << log.str();
        }
      });
    }
    for (auto& t : threads) t.join();

    int status = kExitOk;
    Json results = Json::array();
    for (const auto& job : jobs) {
      status = std::max(status, job.status);
      if (o.common.json) {
        Json r{{"input", job.label}, {"ok", job.status == kExitOk}};
        if (job.status != kExitOk) r["error"] = job.message;
        if (job.answer) {
          r["data"] = job.data;
          r["compact"] = compact_of(*job.answer);
          r["id"] = job.answer->id;
          r["interval"] = job.answer->proof->head.interval.index;
          r["timestamp"] = job.answer->timestamp;
          if (!job.proof_path.empty()) r["proof_file"] = job.proof_path.string();
          if (job.proof_path.empty()) r["proof"] = core::to_wire_json(core::to_json(*job.answer));
        }
        results.push_back(std::move(r));
      } else if (job.status != kExitOk) {
        err << "ink: " << job.label << ": " << job.message << "\n";
      } else {
        out << compact_of(*job.answer);
        if (!job.files.empty()) out << "  " << job.label;
        out << "\n";
        if (!job.proof_path.empty())
          err << "ink: proof saved to " << job.proof_path.string() << "\n";
      }
    }
    if (o.common.json) out << results.dump(2) << "\n";
    if (status == kExitOk && o.quorum) {
      std::vector<fs::path> proofs;
      for (const auto& job : jobs)
        if (!job.proof_path.empty()) proofs.push_back(job.proof_path);
      status = upgrade_after_stamp(o, proofs, err);
    }
    return status;
  });
}

// ---------------------------------------------------------------- verify

namespace {

struct UpgradeOutcome {
  enum class Kind { kDone, kNotYet, kInvalid } kind;
  std::string message;
};

// One attempt at adding the newest cosigned head to a proof file.
UpgradeOutcome try_upgrade(const UpgradeOptions& o, HttpClient& http) {
  auto text = read_text_file(o.proof);
  if (!text) throw UsageOrIoError(text.error().message);
  auto proof = parse_proof_file(*text);
  if (!proof) throw UsageOrIoError(o.proof.string() + ": " + proof.error().message);
  if (!proof->timestamp.proof)
    throw UsageOrIoError(o.proof.string() + " has no proof yet; ink verify fetches it");
  Api api(http);
  auto [pinned, key_source] = trusted_keys(o.key_file, &http);
  // The proof's head and the cosigned one may be signed by later keys (docs/keys.md).
  const core::KeyTrust trust =
      verification_trust(pinned, o.key_file, &http, proof->authority, proof->keys);
  const std::vector<core::PublicKey> keys = trust.keys();
  auto list = o.witnesses_file ? load_witness_list(*o.witnesses_file) : api.witnesses();
  if (list.empty()) throw UsageOrIoError("the log lists no witnesses (GET /api/v1/witnesses)");
  const size_t quorum = quorum_of(o.quorum, list.size());
  const auto& head = proof->timestamp.proof->head;
  auto witnessed = api.cosigned(quorum, head.interval.index);
  if (!witnessed)
    return {UpgradeOutcome::Kind::kNotYet, "no head at or after " +
                                               std::to_string(head.interval.index) + " has " +
                                               std::to_string(quorum) + " cosignatures yet"};
  auto step = core::check_witnessed(head, *witnessed, keys, list, quorum);
  if (!step.passed) return {UpgradeOutcome::Kind::kInvalid, step.message};
  proof->witnessed = std::move(*witnessed);
  auto written = write_file_atomically(o.proof, format_proof_file(*proof));
  if (!written) throw UsageOrIoError(written.error().message);
  return {UpgradeOutcome::Kind::kDone, step.message};
}

// After `ink stamp --quorum K`: each proof file once its head is cosigned.
int upgrade_after_stamp(const StampOptions& o, const std::vector<fs::path>& proofs,
                        std::ostream& err) {
  HttpClient http(server_url(o.common), o.common.http(err));
  int status = kExitOk;
  for (const auto& path : proofs) {
    UpgradeOptions u{o.common, path, o.key_file, o.witnesses_file, o.quorum};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.quorum_wait_seconds);
    UpgradeOutcome r = try_upgrade(u, http);
    while (r.kind == UpgradeOutcome::Kind::kNotYet && std::chrono::steady_clock::now() < deadline &&
           !stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      r = try_upgrade(u, http);
    }
    if (r.kind == UpgradeOutcome::Kind::kDone) {
      err << "ink: " << path.string() << ": " << r.message << "\n";
    } else {
      err << "ink: " << path.string() << ": "
          << (r.kind == UpgradeOutcome::Kind::kNotYet ? r.message + "; ink upgrade adds it later"
                                                      : "witnesses: " + r.message)
          << "\n";
      status =
          std::max(status, r.kind == UpgradeOutcome::Kind::kNotYet ? kExitError : kExitInvalid);
    }
  }
  return status;
}

}  // namespace

int run_upgrade(const UpgradeOptions& o, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    HttpClient http(server_url(o.common), o.common.http(err));
    auto r = try_upgrade(o, http);
    switch (r.kind) {
      case UpgradeOutcome::Kind::kNotYet:
        throw UsageOrIoError(r.message + "; try again in a few intervals");
      case UpgradeOutcome::Kind::kInvalid:
        out << "FAIL  witnesses: " << r.message << "\n";
        return kExitInvalid;
      case UpgradeOutcome::Kind::kDone:
        break;
    }
    out << "ok    witnesses: " << r.message << "\n"
        << "upgraded " << o.proof.string() << ": `ink verify --witnesses FILE` now needs no "
        << "network for this step\n";
    return kExitOk;
  });
}

int run_verify(const VerifyOptions& o, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    if (o.text && !o.files.empty()) throw UsageOrIoError("give FILE... or --text, not both");
    fs::path proof_path;
    if (o.proof) {
      proof_path = *o.proof;
    } else if (o.files.size() == 1) {
      proof_path = default_proof_path(o.files.front());
    } else {
      throw UsageOrIoError("give the proof file with --proof PATH");
    }
    if (!o.text && o.files.empty()) throw UsageOrIoError("give the stamped FILE... or --text TEXT");

    std::string data, what;
    if (o.text) {
      data = data_for_text(*o.text);
      what = "The text";
    } else {
      auto d = data_for_files(o.files);
      if (!d) throw UsageOrIoError(d.error().message);
      data = std::move(*d);
      what = o.files.size() == 1 ? "The file " + o.files.front().string() : "The set of files";
    }
    auto proof_text = read_text_file(proof_path);
    if (!proof_text) throw UsageOrIoError(proof_text.error().message);

    // Keys: pinned from a file (fully offline), else the server's.
    const bool use_server = o.server_given || !o.key_file;
    std::unique_ptr<HttpClient> http;
    if (use_server) http = std::make_unique<HttpClient>(server_url(o.common), o.common.http(err));
    auto [pinned, key_source] = trusted_keys(o.key_file, http.get());
    // Heads signed by later keys are trusted through the chain of key
    // transitions from a pinned key, each key only in its range (docs/keys.md).
    const core::KeyTrust trust =
        verification_trust(pinned, o.key_file, http.get(), proof_file_authority(*proof_text),
                           proof_file_keys(*proof_text));
    const std::vector<core::PublicKey> keys = trust.keys();

    core::ProofFile proof;
    core::CheckReport report = check_proof_file(*proof_text, data, what, keys, &proof);
    if (report.passed())
      core::enforce_key_range(report, trust, proof.timestamp.proof->head, "signature");
    if (report.passed() && use_server)
      check_against_server(report, proof.timestamp.proof->head, *http, trust);
    if (report.passed() && o.witnesses_file)
      report.steps.push_back(witnessed_step(proof, keys, *o.witnesses_file, o.quorum, http.get()));

    const bool valid = report.passed();
    if (o.common.json) {
      Json j{{"valid", valid},
             {"proof_file", proof_path.string()},
             {"data", data},
             {"keys", key_source},
             {"failed_step", valid ? Json(nullptr) : Json(report.first_failure()->name)},
             {"steps", steps_json(report)}};
      if (valid) {
        j["timestamp"] = proof.timestamp.timestamp;
        j["compact"] = compact_of(proof.timestamp);
      }
      out << j.dump(2) << "\n";
    } else {
      print_steps(report, out);
      if (valid) {
        out << "VALID: " << data << " existed at " << proof.timestamp.timestamp << " ("
            << compact_of(proof.timestamp) << "), " << key_source << "\n";
      } else {
        out << "INVALID: step \"" << report.first_failure()->name << "\" failed.\n";
      }
    }
    return valid ? kExitOk : kExitInvalid;
  });
}

// ---------------------------------------------------------------- head, key

int run_head(const ServerOptions& o, std::optional<uint64_t> index,
             const std::optional<fs::path>& key_file, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    const ServerUrl url = server_url(o);
    HttpClient http(url, o.http(err));
    Api api(http);
    std::vector<core::PublicKey> keys = key_file ? load_keys(*key_file) : api.keys();
    auto fetched = api.head(index);
    if (!fetched) throw UsageOrIoError("the server has no head " + std::to_string(*index) + " yet");
    const core::SignedHead& h = fetched->head;
    // Through the server's key chain from the trusted keys (docs/keys.md).
    const core::KeyTrust trust = verification_trust(keys, key_file, &http, h.authority);
    core::CheckReport report = core::check_head(h, trust.keys());
    core::enforce_key_range(report, trust, h, "signature");
    if (o.json) {
      out << fetched->raw.dump(2) << "\n";
    } else {
      out << "head       " << compact_head(h) << "\n"
          << "interval   " << h.interval.index << ", closed at " << h.interval.timestamp << "\n"
          << "ith        " << core::to_base64(h.interval.ith) << "\n"
          << "mth        " << core::to_base64(h.mth) << "\n"
          << "key        " << h.key << "\n";
      print_steps(report, out);
    }
    if (!report.passed()) {
      err << "ink: head " << h.interval.index << " does not check out ("
          << report.first_failure()->name << ")\n";
      return kExitInvalid;
    }
    return kExitOk;
  });
}

int run_key(const ServerOptions& o, bool witnesses, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    const ServerUrl url = server_url(o);
    HttpClient http(url, o.http(err));
    Json raw;
    if (witnesses) {
      // The list in the format --witnesses reads (docs/witness.md).
      raw = Json::array();
      for (const auto& w : Api(http).witnesses())
        raw.push_back({{"name", w.name}, {"public_key", core::to_base64(w.public_key)}});
    } else {
      Api(http).keys(&raw);
    }
    out << raw.dump(2) << "\n";
    return kExitOk;
  });
}

// ---------------------------------------------------------------- parser

namespace {

void add_server_options(CLI::App* cmd, ServerOptions& o) {
  cmd->add_option("-s,--server", o.server,
                  "Service URL, e.g. https://unchanging.ink (default: $INK_SERVER, else "
                  "http://localhost:23230)");
  cmd->add_flag("--json", o.json, "Machine-readable JSON output");
  cmd->add_option("--timeout", o.timeout_seconds, "Seconds per network attempt")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--retries", o.retries, "Retries of failed requests, with back-off")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "ink: client of the unchanging.ink timestamping service. Stamps files, verifies proofs "
      "offline, and watches a log for misbehaviour.\nExit status: 0 ok, 1 invalid, 2 usage, "
      "I/O or network error.",
      "ink"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ink 0.1.0");

  StampOptions stamp;
  std::string stamp_text, stamp_out, stamp_key;
  std::vector<std::string> stamp_files;
  auto* stamp_cmd = app.add_subcommand(
      "stamp",
      "Hash FILE(s) or a text locally (SHA-512), timestamp the hash, save a proof file "
      "FILE.ink.json beside each file and print the compact timestamp string. Only the "
      "hash leaves this machine.");
  stamp_cmd->add_option("files", stamp_files, "Files to stamp (each on its own, concurrently)");
  stamp_cmd->add_option("--text", stamp_text, "Stamp this text instead of files");
  stamp_cmd->add_option("-o,--out", stamp_out,
                        "Proof file to write (with several files: a directory); with --text, "
                        "no file is written unless given");
  stamp_cmd->add_flag("--together", stamp.together,
                      "Stamp all FILEs as one set (one proof, verify with all of them)");
  stamp_cmd->add_option("-k,--key", stamp_key,
                        "Trusted key file to check the proof against "
                        "(default: the server's keys)");
  stamp_cmd->add_flag("--rfc3161", stamp.rfc3161,
                      "Stamp through the server's RFC 3161 TSA: also save the token FILE.tsr "
                      "beside each proof (check it with ink verify FILE --tsr FILE.tsr)");
  std::string stamp_witnesses;
  stamp_cmd->add_option("--quorum", stamp.quorum,
                        "Also wait until this many witnesses cosigned the head, and add it to "
                        "the proof file (as ink upgrade)");
  stamp_cmd->add_option("--witnesses", stamp_witnesses,
                        "With --quorum: the witness list to trust (default: the log's list)");
  stamp_cmd
      ->add_option("--quorum-wait", stamp.quorum_wait_seconds,
                   "With --quorum: seconds to wait for the cosignatures")
      ->capture_default_str();
  stamp_cmd->add_option("-j,--jobs", stamp.jobs, "Files stamped at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_server_options(stamp_cmd, stamp.common);

  VerifyOptions verify;
  std::string verify_text, verify_proof, verify_key, verify_tsr, verify_tsa_cert;
  std::vector<std::string> verify_files;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Check a proof file against FILE(s) or a text: ts hash, interval tree path, ihash, main "
      "tree inclusion, head signature; with --server (or without --key) also that the "
      "server's current head extends the proof's head. Exit 0 valid, 1 invalid, 2 error.");
  verify_cmd->add_option("files", verify_files, "The stamped file(s)");
  verify_cmd->add_option("--text", verify_text, "The stamped text, instead of files");
  verify_cmd->add_option("-p,--proof", verify_proof, "Proof file (default: FILE.ink.json)");
  verify_cmd->add_option("-k,--key", verify_key,
                         "Trusted key file (JSON of /api/v1/keys, or a PEM public key): "
                         "verify offline");
  verify_cmd->add_option("--tsr", verify_tsr,
                         "Check this RFC 3161 token (.tsr, or a bare token) for FILE: the "
                         "TSA's signature, the imprint, and its ts in the log with its proof "
                         "(from FILE.ink.json or --proof when there is one, else the server)");
  std::string verify_witnesses;
  verify_cmd->add_option("--witnesses", verify_witnesses,
                         "Witness list to trust ([{\"name\", \"public_key\"}]): also require "
                         "their cosignatures (docs/witness.md)");
  verify_cmd->add_option("--quorum", verify.quorum,
                         "How many of the listed witnesses must have cosigned (default: all)");
  verify_cmd->add_option("--tsa-cert", verify_tsa_cert,
                         "With --tsr: the TSA root to trust, PEM (default: the server's "
                         "/api/v1/rfc3161/certs)");
  add_server_options(verify_cmd, verify.common);

  MonitorOptions monitor;
  std::string monitor_state, monitor_key;
  auto* monitor_cmd = app.add_subcommand(
      "monitor",
      "Follow the live feed of new heads, check every head's signature, its consistency with "
      "all heads before it (recomputing each root from its own copy of the ihash leaves) and "
      "with what was seen before a restart. On any inconsistency, print and save the evidence "
      "in the state directory and exit 1.");
  monitor_cmd->add_option("--state", monitor_state, "State directory (created if missing)")
      ->required();
  monitor_cmd->add_option("-k,--key", monitor_key,
                          "Key file to pin on first run (default: the server's keys at first run)");
  monitor_cmd->add_option("--count", monitor.count, "Exit 0 after checking this many new heads");
  monitor_cmd
      ->add_option("--poll", monitor.poll_seconds,
                   "Seconds of feed silence before asking for the current head")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  monitor_cmd
      ->add_option("--recheck", monitor.recheck,
                   "Earlier heads re-fetched and compared at start (besides the last)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  add_server_options(monitor_cmd, monitor.common);

  ServerOptions head;
  std::string head_key;
  int64_t head_index = -1;
  auto* head_cmd = app.add_subcommand(
      "head", "Show the current head, or head INDEX, and check its inclusion and signature.");
  head_cmd->add_option("index", head_index, "Interval index (default: the newest)")
      ->check(CLI::NonNegativeNumber);
  head_cmd->add_option("-k,--key", head_key, "Trusted key file (default: the server's keys)");
  add_server_options(head_cmd, head);

  WitnessOptions witness;
  std::string witness_log_key, witness_key, witness_state, keygen_key, keygen_name;
  auto* witness_cmd = app.add_subcommand(
      "witness",
      "Follow a log as its witness: check each new head against the pinned log key and the "
      "head cosigned before, then cosign it and send the cosignature (docs/witness.md). "
      "Exits 1, with the evidence saved, if the log misbehaves.");
  witness_cmd->add_option("--log-key", witness_log_key, "The log's key file (ink key > FILE)");
  witness_cmd->add_option("--key", witness_key, "This witness's key (PEM; ink witness keygen)");
  witness_cmd->add_option("--name", witness.name, "This witness's name, as the log lists it");
  witness_cmd->add_option("--state", witness_state, "State folder (created if missing)");
  witness_cmd->add_option("--poll", witness.poll_seconds, "Seconds between looks at the log")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  witness_cmd->add_option("--count", witness.count, "Exit 0 after cosigning this many heads");
  add_server_options(witness_cmd, witness.common);
  auto* keygen_cmd = witness_cmd->add_subcommand(
      "keygen", "Make a witness key and print the entry for the log's INK_WITNESSES list");
  keygen_cmd->add_option("--key", keygen_key, "Where to write the key (PEM, never overwritten)")
      ->required();
  keygen_cmd->add_option("--name", keygen_name, "The witness's name, for the printed entry");

  UpgradeOptions upgrade;
  std::string upgrade_proof, upgrade_key, upgrade_witnesses;
  auto* upgrade_cmd = app.add_subcommand(
      "upgrade",
      "Add to a proof file the newest head its log's witnesses cosigned and the consistency "
      "proof to it, so that `ink verify --witnesses` holds offline (docs/witness.md)");
  upgrade_cmd->add_option("proof", upgrade_proof, "The proof file (FILE.ink.json)")->required();
  upgrade_cmd->add_option("-k,--key", upgrade_key, "Trusted key file (default: the server's keys)");
  upgrade_cmd->add_option("--witnesses", upgrade_witnesses,
                          "Witness list to trust (default: the log's own list)");
  upgrade_cmd->add_option("--quorum", upgrade.quorum,
                          "How many of them must have cosigned (default: all)");
  add_server_options(upgrade_cmd, upgrade.common);

  ServerOptions key;
  auto* key_cmd = app.add_subcommand(
      "key", "Print the server's public keys as JSON, for pinning: ink key > KEYFILE");
  bool key_witnesses = false;
  key_cmd->add_flag("--witnesses", key_witnesses,
                    "Print the witnesses the log accepts instead, for --witnesses: "
                    "ink key --witnesses > WITNESSES");
  add_server_options(key_cmd, key);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitError;
  }

  auto optional_path = [](const std::string& s) {
    return s.empty() ? std::optional<fs::path>() : std::optional<fs::path>(s);
  };
  if (*stamp_cmd) {
    for (auto& f : stamp_files) stamp.files.emplace_back(f);
    if (stamp_cmd->count("--text")) stamp.text = stamp_text;
    stamp.out = optional_path(stamp_out);
    stamp.key_file = optional_path(stamp_key);
    stamp.witnesses_file = optional_path(stamp_witnesses);
    return run_stamp(stamp, out, err);
  }
  if (*verify_cmd) {
    for (auto& f : verify_files) verify.files.emplace_back(f);
    if (verify_cmd->count("--text")) verify.text = verify_text;
    verify.proof = optional_path(verify_proof);
    verify.key_file = optional_path(verify_key);
    verify.server_given = verify_cmd->count("--server") > 0;
    verify.tsr = optional_path(verify_tsr);
    verify.tsa_cert = optional_path(verify_tsa_cert);
    verify.witnesses_file = optional_path(verify_witnesses);
    if (verify.quorum && !verify.witnesses_file) {
      err << "ink: --quorum goes with --witnesses\n";
      return kExitError;
    }
    if (verify.tsa_cert && !verify.tsr) {
      err << "ink: --tsa-cert goes with --tsr\n";
      return kExitError;
    }
    return verify.tsr ? run_verify_token(verify, out, err) : run_verify(verify, out, err);
  }
  if (*monitor_cmd) {
    monitor.state_dir = monitor_state;
    monitor.key_file = optional_path(monitor_key);
    return run_monitor(monitor, out, err);
  }
  if (*head_cmd) {
    return run_head(head, head_index >= 0 ? std::optional<uint64_t>(head_index) : std::nullopt,
                    optional_path(head_key), out, err);
  }
  if (*key_cmd) return run_key(key, key_witnesses, out, err);
  if (*upgrade_cmd) {
    upgrade.proof = upgrade_proof;
    upgrade.key_file = optional_path(upgrade_key);
    upgrade.witnesses_file = optional_path(upgrade_witnesses);
    return run_upgrade(upgrade, out, err);
  }
  if (*keygen_cmd) return run_witness_keygen(keygen_key, keygen_name, out, err);
  if (*witness_cmd) {
    if (witness_log_key.empty() || witness_key.empty() || witness.name.empty() ||
        witness_state.empty()) {
      err << "ink witness: give --log-key, --key, --name and --state (or: ink witness keygen)\n";
      return kExitError;
    }
    witness.log_key_file = witness_log_key;
    witness.key_file = witness_key;
    witness.state_dir = witness_state;
    return run_witness(witness, out, err);
  }
  return kExitError;
}

}  // namespace ink::cli
