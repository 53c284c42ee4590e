#include "cli/key_chain_cmd.h"

#include "cli/api.h"
#include "cli/command_support.h"
#include "cli/proof_check.h"
#include "cli/proof_io.h"
#include "core/decode.h"

namespace ink::cli {

core::KeyTrust verification_trust(const std::vector<core::PublicKey>& pinned,
                                  const std::optional<std::filesystem::path>& key_file,
                                  HttpClient* http, const std::string& authority,
                                  const std::vector<core::ListedKey>& carried) {
  std::vector<std::vector<core::ListedKey>> lists;
  if (!carried.empty()) lists.push_back(carried);
  if (key_file) {
    auto text = read_text_file(*key_file);
    if (!text) throw UsageOrIoError(text.error().message);
    if (text->find("-----BEGIN") == std::string::npos) {
      auto json = core::decode_json_strict(*text);
      if (json) {
        auto listed = core::key_listing_from_json(*json);
        if (!listed)
          throw UsageOrIoError("key file " + key_file->string() + ": " + listed.error().message);
        lists.push_back(std::move(*listed));
      }
    }
  }
  if (http) lists.push_back(Api(*http).key_listing());
  auto trust = core::make_key_trust(pinned, lists, authority);
  if (!trust)
    throw UsageOrIoError("the key chain does not hold, so no key after a transition is trusted: " +
                         trust.error().message);
  return std::move(*trust);
}

void check_against_server(core::CheckReport& report, const core::SignedHead& proof_head,
                          HttpClient& http, const core::KeyTrust& trust) {
  const std::vector<core::PublicKey> keys = trust.keys();
  auto current = check_against_server(report, proof_head, http, std::span(keys));
  core::enforce_key_range(report, trust, current, "current-head");
}

std::string proof_file_authority(std::string_view proof_text) {
  auto json = core::decode_json_strict(proof_text);
  if (!json || !json->is_object()) return {};
  auto it = json->find("authority");
  return it != json->end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<core::ListedKey> proof_file_keys(std::string_view proof_text) {
  auto json = core::decode_json_strict(proof_text);
  if (!json || !json->is_object()) return {};
  auto it = json->find("keys");
  if (it == json->end()) return {};
  auto listed = core::key_listing_from_json(*it);
  return listed ? std::move(*listed) : std::vector<core::ListedKey>{};
}

}  // namespace ink::cli
