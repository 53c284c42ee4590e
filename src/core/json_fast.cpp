#include "core/json_fast.h"

#include <algorithm>
#include <stdexcept>

#include "core/cbor.h"
#include "core/encoding.h"
#include "core/json_write.h"

namespace ink::core {

namespace {

// A JSON string; the common case (ids, clock readings) needs no escaping.
void append_json_string(std::string& out, std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20;
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

void append_quoted_base64(std::string& out, const Hash& h) {
  out += '"';
  append_base64(out, h);
  out += '"';
}

// The answer object around its interval and proof members, which
// `write_interval_and_proof` appends. Members sorted by name, as nlohmann
// writes them: hash, id, interval, proof, timestamp, typ, version.
template <class WriteIntervalAndProof>
std::string answer_json(const Hash& hash, std::string_view timestamp, std::string_view id,
                        size_t middle_size, WriteIntervalAndProof write_interval_and_proof) {
  std::string out;
  out.reserve(middle_size + 200);
  out += "{\"hash\":";
  append_quoted_base64(out, hash);
  out += ",\"id\":";
  append_json_string(out, id);
  out += ",\"interval\":";
  write_interval_and_proof(out);
  out += ",\"timestamp\":";
  append_json_string(out, timestamp);
  out += ",\"typ\":\"ts\",\"version\":\"1\"}";
  return out;
}

}  // namespace

std::string pending_answer_json(const Hash& hash, std::string_view timestamp, std::string_view id) {
  return answer_json(hash, timestamp, id, 0,
                     [](std::string& out) { out += "null,\"proof\":null"; });
}

SharedHeadJson::SharedHeadJson(const SignedHead& head)
    : interval_(std::to_string(head.interval.index)) {
  // The proof's members are sorted by name (a, head, inclusion, interval, ith,
  // mth, path): serialize it once with a = 0 and no path, keep what lies between.
  TsProof probe{0, {}, head};
  const std::string whole = to_wire_json(to_json(probe)).dump();
  const std::string front = "{\"a\":0,", back = ",\"path\":[]}";
  if (whole.size() < front.size() + back.size() || whole.compare(0, front.size(), front) != 0 ||
      whole.compare(whole.size() - back.size(), back.size(), back) != 0)
    throw std::logic_error("proof JSON does not have the expected member order");
  proof_rest_ = whole.substr(front.size() - 1, whole.size() - front.size() - back.size() + 1);
}

std::string SharedHeadJson::answer(const Hash& hash, std::string_view timestamp,
                                   std::string_view id, uint64_t a,
                                   std::span<const Hash> path) const {
  return answer_json(hash, timestamp, id, proof_rest_.size() + 48 * path.size(),
                     [&](std::string& out) {
                       out += interval_;
                       out += ",\"proof\":{\"a\":";
                       out += std::to_string(a);
                       out += proof_rest_;
                       out += ",\"path\":[";
                       for (size_t i = 0; i < path.size(); ++i) {
                         if (i) out += ',';
                         append_quoted_base64(out, path[i]);
                       }
                       out += "]}";
                     });
}

}  // namespace ink::core
