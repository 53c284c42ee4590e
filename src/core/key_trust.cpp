#include "core/key_trust.h"

#include <algorithm>

namespace ink::core {
namespace {

bool holds_pinned(const KeyChain& chain, const std::vector<PublicKey>& pinned) {
  return std::any_of(pinned.begin(), pinned.end(),
                     [&chain](const PublicKey& k) { return chain.contains(k); });
}

}  // namespace

std::vector<PublicKey> KeyTrust::keys() const {
  std::vector<PublicKey> out = pinned;
  for (const KeyChain& chain : chains) {
    if (!holds_pinned(chain, pinned)) continue;
    for (const ChainKey& k : chain.keys())
      if (std::find(out.begin(), out.end(), k.public_key) == out.end()) out.push_back(k.public_key);
  }
  return out;
}

const KeyChain* KeyTrust::chain_of(std::string_view key_id) const {
  for (const KeyChain& chain : chains)
    if (holds_pinned(chain, pinned) && chain.find(key_id)) return &chain;
  return nullptr;
}

std::optional<std::string> KeyTrust::refusal(uint64_t interval, std::string_view key_id) const {
  for (const KeyChain& chain : chains) {
    if (!holds_pinned(chain, pinned) || !chain.find(key_id)) continue;
    HeadKeyCheck check = chain.check_head_key(interval, key_id);
    if (!check.valid()) return check.message;
  }
  return std::nullopt;
}

Result<KeyTrust> make_key_trust(std::vector<PublicKey> pinned,
                                const std::vector<std::vector<ListedKey>>& lists,
                                const std::string& authority) {
  KeyTrust trust;
  trust.pinned = std::move(pinned);
  for (const auto& list : lists) {
    auto chains = key_chains(list, authority);
    if (!chains) return chains.error();
    for (KeyChain& c : *chains) trust.chains.push_back(std::move(c));
  }
  return trust;
}

void enforce_key_range(CheckReport& report, const KeyTrust& trust, const SignedHead& head,
                       std::string_view step) {
  auto it = std::find_if(report.steps.begin(), report.steps.end(),
                         [step](const CheckStep& s) { return s.name == step; });
  if (it == report.steps.end() || !it->passed) return;
  auto why = trust.refusal(head.interval.index, head.key);
  if (!why) return;
  it->passed = false;
  it->message = *why;
  report.steps.erase(it + 1, report.steps.end());
}

}  // namespace ink::core
