#include "core/proof_file.h"

#include <utility>

#include "core/encoding.h"
#include "core/field_reader.h"
#include "core/json_write.h"
#include "core/parse.h"

namespace ink::core {

Json to_json(const ProofFile& v) {
  Json j{{"format", "unchanging.ink/proof"},
         {"version", 1},
         {"authority", v.authority},
         {"data", v.data},
         {"files", v.files},
         {"timestamp", to_json(v.timestamp)}};
  if (v.witnessed) j["witnessed"] = to_json(*v.witnessed);
  if (!v.keys.empty()) j["keys"] = key_listing_json(v.keys);
  return j;
}

Result<ProofFile> proof_file_from_json(const Json& j) {
  FieldReader r(j, "");
  ProofFile v;
  r.constant("format", "unchanging.ink/proof");
  if (r.ok() && r.uint("version") != 1) r.fail("version", "expected 1");
  v.authority = r.text("authority");
  v.data = r.text("data");
  if (r.ok() && (v.data.size() > kMaxDataBytes || !is_valid_utf8(v.data))) {
    r.fail("data", "expected UTF-8 text of at most 256 bytes");
  }
  if (const Json* files = r.get("files", /*optional=*/true); files && !files->is_null()) {
    if (!files->is_array()) r.fail("files", "expected an array of names");
    for (size_t i = 0; r.ok() && i < files->size(); ++i) {
      if (!(*files)[i].is_string()) {
        r.fail("files", "expected an array of names");
      } else {
        v.files.push_back((*files)[i].get<std::string>());
      }
    }
  }
  if (const Json* ts = r.get("timestamp")) {
    auto parsed = ts_answer_from_json(*ts, "timestamp");
    if (parsed)
      v.timestamp = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* w = r.get("witnessed", /*optional=*/true); r.ok() && w && !w->is_null()) {
    auto parsed = witnessed_head_from_json(*w, "witnessed");
    if (parsed)
      v.witnessed = std::move(*parsed);
    else
      r.adopt(parsed.error());
  }
  if (const Json* k = r.get("keys", /*optional=*/true); r.ok() && k && !k->is_null()) {
    auto parsed = key_listing_from_json(*k);
    if (parsed)
      v.keys = std::move(*parsed);
    else
      r.fail("keys", parsed.error().message);
  }
  if (!r.ok()) return r.error();
  return v;
}

}  // namespace ink::core
