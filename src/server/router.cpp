#include "server/router.h"

#include <algorithm>
#include <optional>

namespace ink::server {

std::vector<std::string_view> Router::segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

size_t Router::add(std::string_view methods, std::string_view pattern, std::string name) {
  Route r;
  while (!methods.empty()) {
    auto space = methods.find(' ');
    if (space != 0) r.methods.emplace_back(methods.substr(0, space));
    methods = space == std::string_view::npos ? std::string_view{} : methods.substr(space + 1);
  }
  for (auto s : segments(pattern)) r.pattern.emplace_back(s);
  r.name = std::move(name);
  routes_.push_back(std::move(r));
  return routes_.size() - 1;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const auto seg = segments(path);
  Match out;
  // A literal segment beats a parameter ("/mth/cosigned" over "/mth/{}"),
  // whatever the order the routes were added in; among equals, the first.
  std::optional<size_t> best;
  size_t best_literals = 0;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const auto& r = routes_[i];
    if (r.pattern.size() != seg.size()) continue;
    bool fits = true;
    size_t literals = 0;
    for (size_t k = 0; k < seg.size() && fits; ++k) {
      fits = r.pattern[k] == "{}" || r.pattern[k] == seg[k];
      if (r.pattern[k] != "{}") ++literals;
    }
    if (!fits) continue;
    auto allows = [&](std::string_view m) {
      return std::find(r.methods.begin(), r.methods.end(), m) != r.methods.end();
    };
    if (allows(method) || (method == "HEAD" && allows("GET"))) {
      if (!best || literals > best_literals) {
        best = i;
        best_literals = literals;
      }
      continue;
    }
    if (out.kind == Match::Kind::kNotFound) {
      out.kind = Match::Kind::kMethodNotAllowed;
      out.route = i;
      for (const auto& m : r.methods) out.allow += (out.allow.empty() ? "" : ", ") + m;
    }
  }
  if (best) {
    Match found;
    found.kind = Match::Kind::kFound;
    found.route = *best;
    for (size_t k = 0; k < seg.size(); ++k)
      if (routes_[*best].pattern[k] == "{}") found.params.push_back(seg[k]);
    return found;
  }
  return out;
}

}  // namespace ink::server
