#include "core/witness_list.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/cosignature.h"
#include "core/encoding.h"

namespace ink::core {

Result<std::vector<Witness>> parse_witness_list(std::string_view json_text) {
  // (The parser refuses text that is not UTF-8.)
  auto doc = nlohmann::json::parse(json_text, nullptr, false);
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kInvalidArgument, why); };
  if (!doc.is_array())
    return bad("a witness list is a JSON array of {\"name\", \"public_key\"} objects");
  std::vector<Witness> out;
  std::set<std::string> names, ids;
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& e = doc[i];
    std::string where = "witness " + std::to_string(i);
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() ||
        !e.contains("public_key") || !e["public_key"].is_string())
      return bad(where + ": needs \"name\" and \"public_key\" (text)");
    Witness w;
    w.name = e["name"].get<std::string>();
    if (w.name.empty() || w.name.size() > kMaxWitnessNameBytes)
      return bad(where + ": the name must be 1 to " + std::to_string(kMaxWitnessNameBytes) +
                 " bytes");
    auto key = from_base64(e["public_key"].get<std::string>());
    if (!key.ok() || key->size() != 32)
      return bad(where + " (" + w.name + "): public_key must be base64 of 32 bytes (Ed25519)");
    std::copy(key->begin(), key->end(), w.public_key.begin());
    w.key_id = key_id(w.public_key);
    if (!names.insert(w.name).second)
      return bad(where + ": the name " + w.name + " is listed twice");
    if (!ids.insert(w.key_id).second)
      return bad(where + " (" + w.name + "): its key is listed twice");
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace ink::core
