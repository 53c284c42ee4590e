#pragma once
// The API's route table: which handler a method and path lead to. Patterns
// are paths whose `{}` segments match any one non-empty segment and are handed
// to the handler in order. Empty segments are ignored ("/v1//keys" is
// "/v1/keys"). GET routes answer HEAD too. Pure and thread safe once built.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ink::server {

class Router {
 public:
  // methods: space-separated ("GET", "POST", "GET POST"); name: the metrics label.
  // Returns the route's index (in order of adding). Earlier routes win.
  size_t add(std::string_view methods, std::string_view pattern, std::string name);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    size_t route = 0;                      // kFound, kMethodNotAllowed: the route
    std::vector<std::string_view> params;  // kFound: the {} segments, views into the path
    std::string allow;                     // kMethodNotAllowed: the Allow header
  };
  Match match(std::string_view method, std::string_view path) const;
  const std::string& name(size_t route) const { return routes_.at(route).name; }

  static std::vector<std::string_view> segments(std::string_view path);

 private:
  struct Route {
    std::vector<std::string> methods;
    std::vector<std::string> pattern;  // "{}" for a parameter
    std::string name;
  };
  std::vector<Route> routes_;
};

}  // namespace ink::server
