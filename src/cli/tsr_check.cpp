#include "cli/tsr_check.h"

#include <openssl/objects.h>

#include "core/clock.h"
#include "core/encoding.h"
#include "core/uuid.h"
#include "rfc3161/tsa.h"

namespace ink::cli {

core::CheckReport check_token(const TokenCheckInputs& in, rfc3161::Token* token_out,
                              core::TsAnswer* entry_out) {
  core::CheckReport report;
  auto step = [&](const char* name, bool passed, std::string message) {
    report.steps.push_back(core::CheckStep{name, passed, std::move(message)});
    return passed;
  };

  rfc3161::Token token;
  try {
    token = rfc3161::read_token(in.token_der);
  } catch (const rfc3161::TokenError& e) {
    step("token", false, std::string("not a usable RFC 3161 token: ") + e.what());
    return report;
  }
  if (!token.serial_bytes) {
    step("token", false,
         "the serial number 0x" + token.serial_hex +
             " is longer than 128 bits: it names no ts, the token is not from this log's TSA");
    return report;
  }
  const std::string id = core::format_uuid(*token.serial_bytes);
  auto data = rfc3161::imprint_data(token.imprint_nid, token.imprint);
  if (!data) {
    const char* alg = OBJ_nid2sn(token.imprint_nid);
    step("token", false,
         std::string("the imprint is a ") + (alg ? alg : "unknown") +
             " digest, which this TSA never certifies: the token is not from this log's TSA");
    return report;
  }
  const std::string gen_time = core::format_clock(token.gen_time_micros);
  step("token", true,
       "a granted token: serial number 0x" + token.serial_hex + " names ts " + id + ", genTime " +
           gen_time + ", imprint " + token.imprint_name);

  if (auto problem = rfc3161::check_token_signature(in.token_der, in.tsa_certificates_pem)) {
    step("tsa-signature", false,
         "the token's signature does not hold for the trusted TSA certificates (" + *problem +
             "): it was changed, or another TSA key signed it");
    return report;
  }
  step("tsa-signature", true,
       "the token is signed by a time-stamping certificate of the trusted TSA root");

  const std::string digest = in.input_digest(token.imprint_nid);
  if (digest != token.imprint) {
    step("imprint", false,
         in.what + " is not what the token stamped: its " + token.imprint_name + " digest is " +
             core::to_hex(
                 core::ByteView(reinterpret_cast<const uint8_t*>(digest.data()), digest.size())) +
             ", the token's imprint is " + data->substr(data->find(':') + 1));
    return report;
  }
  step("imprint", true, in.what + " has the token's imprint (" + *data + ")");

  auto entry = in.find_ts(id);
  if (!entry) {
    step("log-entry", false,
         "the log has no ts " + id +
             ": a token the log does not hold is evidence that the TSA key was misused");
    return report;
  }
  if (entry->id != id) {
    step("log-entry", false,
         "the proof given is of ts " + entry->id + ", the token names ts " + id);
    return report;
  }
  if (entry->timestamp != gen_time) {
    step("log-entry", false,
         "ts " + id + " is at " + entry->timestamp + " but the token's genTime is " + gen_time +
             ": the token does not match its log entry (evidence of misuse of the TSA key)");
    return report;
  }
  step("log-entry", true,
       "ts " + id + " is the token's log entry, at the token's genTime " + gen_time);

  // The log entry's hash covers its data: checking it with the imprint as
  // data proves the log holds this very imprint.
  auto proof = core::check_ts_proof(*entry, *data, in.keys);
  for (auto& s : proof.steps) report.steps.push_back(std::move(s));
  if (report.passed()) {
    if (token_out) *token_out = std::move(token);
    if (entry_out) *entry_out = std::move(*entry);
  }
  return report;
}

}  // namespace ink::cli
