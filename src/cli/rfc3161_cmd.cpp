// The RFC 3161 side of the client (docs/rfc3161.md): `ink stamp --rfc3161`
// gets a token for each file beside its proof, and `ink verify --tsr`
// checks a token as a TSA's token and against the log (cli/tsr_check.h).
#include "cli/rfc3161_cmd.h"

#include <openssl/objects.h>
#include <openssl/rand.h>

#include <fstream>

#include "cli/command_support.h"
#include "cli/proof_io.h"
#include "cli/tsr_check.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/uuid.h"
#include "rfc3161/token.h"

namespace ink::cli {

using core::Json;
namespace fs = std::filesystem;

fs::path token_path_for(const fs::path& proof_path) {
  const std::string p = proof_path.string();
  const std::string suffix = ".ink.json";
  if (p.size() > suffix.size() && p.ends_with(suffix))
    return p.substr(0, p.size() - suffix.size()) + ".tsr";
  return p + ".tsr";
}

core::TsAnswer stamp_with_token(HttpClient& http, const std::string& data,
                                const fs::path& token_path,
                                std::chrono::milliseconds wait_timeout) {
  // data is "sha512:<hex>" (PROTOCOL.md's client convention): the token's imprint.
  const std::string prefix = "sha512:";
  auto digest = core::from_hex(data.starts_with(prefix) ? data.substr(prefix.size()) : "");
  if (!digest || digest->empty())
    throw UsageOrIoError("cannot make a token request for data " + data);
  const std::string digest_bytes(digest->begin(), digest->end());
  std::string nonce(8, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), int(nonce.size())) != 1)
    throw UsageOrIoError("no random bytes for the request's nonce");
  nonce[0] = char(nonce[0] | 0x01);  // no leading zero byte, so it reads back the same

  Api api(http);
  const std::string reply = api.rfc3161(rfc3161::make_request(NID_sha512, digest_bytes, nonce));
  rfc3161::Token token;
  try {
    token = rfc3161::read_token(reply);
  } catch (const rfc3161::TokenError& e) {
    throw ApiError(200, std::string("the TSA gave no token: ") + e.what());
  }
  if (token.imprint != digest_bytes || token.imprint_nid != NID_sha512)
    throw MalformedAnswer("the token certifies another imprint than the one asked for", "");
  if (token.nonce != nonce)
    throw MalformedAnswer("the token does not carry the request's nonce", "");
  if (!token.serial_bytes) throw MalformedAnswer("the token's serial number is no ts id", "");
  auto written = write_file_atomically(token_path, reply);
  if (!written) throw UsageOrIoError(written.error().message);

  const std::string id = core::format_uuid(*token.serial_bytes);
  auto answer = api.ts(id, wait_timeout, 3);
  if (!answer)
    throw MalformedAnswer("the token names ts " + id + ", which the server does not have", "");
  if (answer->timestamp != core::format_clock(token.gen_time_micros))
    throw MalformedAnswer("ts " + id + " is at " + answer->timestamp + ", the token's genTime is " +
                              core::format_clock(token.gen_time_micros),
                          "");
  return std::move(*answer);
}

namespace {

// The digest of the user's input with the token's algorithm, read in chunks.
std::string input_digest(const VerifyOptions& o, int nid) {
  rfc3161::ImprintHasher hasher(nid);
  if (o.text) {
    hasher.update(*o.text);
    return hasher.finish();
  }
  const fs::path& path = o.files.front();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageOrIoError("cannot read " + path.string());
  std::string chunk(1 << 16, '\0');
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    hasher.update(std::string_view(chunk.data(), size_t(in.gcount())));
  }
  if (in.bad()) throw UsageOrIoError("cannot read " + path.string());
  return hasher.finish();
}

}  // namespace

int run_verify_token(const VerifyOptions& o, std::ostream& out, std::ostream& err) {
  return guarded(err, [&] {
    if (o.text ? !o.files.empty() : o.files.size() != 1)
      throw UsageOrIoError("--tsr checks the token of one FILE, or of --text TEXT");
    auto token_der = read_text_file(*o.tsr);
    if (!token_der) throw UsageOrIoError(token_der.error().message);

    // The log entry: from the proof file when there is one, else the server.
    std::optional<fs::path> proof_path = o.proof;
    if (!proof_path && !o.text && fs::exists(default_proof_path(o.files.front())))
      proof_path = default_proof_path(o.files.front());
    std::optional<core::ProofFile> proof;
    if (proof_path) {
      auto text = read_text_file(*proof_path);
      if (!text) throw UsageOrIoError(text.error().message);
      auto parsed = parse_proof_file(*text);
      if (!parsed) throw UsageOrIoError(proof_path->string() + ": " + parsed.error().message);
      proof = std::move(*parsed);
    }

    // Fully offline with pinned keys, a pinned TSA root and a proof file.
    const bool use_server = o.server_given || !o.key_file || !o.tsa_cert || !proof;
    std::unique_ptr<HttpClient> http;
    if (use_server) http = std::make_unique<HttpClient>(server_url(o.common), o.common.http(err));
    auto [keys, key_source] = trusted_keys(o.key_file, http.get());
    std::string certificates, tsa_source;
    if (o.tsa_cert) {
      auto pem = read_text_file(*o.tsa_cert);
      if (!pem) throw UsageOrIoError(pem.error().message);
      certificates = std::move(*pem);
      tsa_source = "pinned TSA root from " + o.tsa_cert->string();
    } else {
      certificates = Api(*http).tsa_certificates();
      tsa_source = "TSA certificates fetched from " + http->server().text() +
                   " (not pinned: use --tsa-cert)";
    }

    TokenCheckInputs in;
    in.token_der = *token_der;
    in.tsa_certificates_pem = certificates;
    in.what = o.text ? "The text" : "The file " + o.files.front().string();
    in.input_digest = [&](int nid) { return input_digest(o, nid); };
    in.find_ts = [&](const std::string& id) -> std::optional<core::TsAnswer> {
      // FILE.ink.json may be the proof of another stamp of FILE: then the
      // server has the token's ts. A proof named with --proof is used as given.
      if (proof && (proof->timestamp.id == id || o.proof || !http)) return proof->timestamp;
      proof_path.reset();  // not the source of the log entry
      return Api(*http).ts(id, std::chrono::milliseconds(65000), 2);
    };
    in.keys = keys;
    rfc3161::Token token;
    core::TsAnswer entry;
    core::CheckReport report = check_token(in, &token, &entry);
    if (report.passed() && use_server) check_against_server(report, entry.proof->head, *http, keys);

    const bool valid = report.passed();
    if (o.common.json) {
      Json j{{"valid", valid},
             {"token_file", o.tsr->string()},
             {"keys", key_source},
             {"tsa_certificates", tsa_source},
             {"failed_step", valid ? Json(nullptr) : Json(report.first_failure()->name)},
             {"steps", steps_json(report)}};
      if (proof_path) j["proof_file"] = proof_path->string();
      if (valid) {
        j["id"] = entry.id;
        j["timestamp"] = entry.timestamp;
        j["compact"] = compact_of(entry);
      }
      out << j.dump(2) << "\n";
    } else {
      print_steps(report, out);
      if (valid) {
        out << "VALID: the token's imprint " << token.imprint_name << " is ts " << entry.id
            << ", which existed at " << entry.timestamp << " (" << compact_of(entry) << "), "
            << key_source << ", " << tsa_source << "\n";
      } else {
        out << "INVALID: step \"" << report.first_failure()->name << "\" failed.\n";
      }
    }
    return valid ? kExitOk : kExitInvalid;
  });
}

}  // namespace ink::cli
