#include "server/router.h"

#include <algorithm>

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
  for (size_t i = 0; i < routes_.size(); ++i) {
    const auto& r = routes_[i];
    if (r.pattern.size() != seg.size()) continue;
    bool fits = true;
    for (size_t k = 0; k < seg.size() && fits; ++k)
      fits = r.pattern[k] == "{}" || r.pattern[k] == seg[k];
    if (!fits) continue;
    auto allows = [&](std::string_view m) {
      return std::find(r.methods.begin(), r.methods.end(), m) != r.methods.end();
    };
    if (allows(method) || (method == "HEAD" && allows("GET"))) {
      out.kind = Match::Kind::kFound;
      out.route = i;
      for (size_t k = 0; k < seg.size(); ++k)
        if (r.pattern[k] == "{}") out.params.push_back(seg[k]);
      return out;
    }
    if (out.kind == Match::Kind::kNotFound) {
      out.kind = Match::Kind::kMethodNotAllowed;
      out.route = i;
      for (const auto& m : r.methods) out.allow += (out.allow.empty() ? "" : ", ") + m;
    }
  }
  return out;
}

}  // namespace ink::server
