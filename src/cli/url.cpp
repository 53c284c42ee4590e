#include "cli/url.h"

#include <cstdlib>

namespace ink::cli {

using core::ErrorCode;
using core::make_error;

std::string ServerUrl::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) h += ":" + port;
  return h;
}

std::string ServerUrl::text() const {
  return (tls ? "https://" : "http://") + host_header() + base_path;
}

static bool is_loopback_name(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

core::Result<ServerUrl> parse_server_url(std::string_view text) {
  ServerUrl url;
  std::string_view rest = text;
  bool has_scheme = true;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "server URL '" + std::string(text) + "': only http:// and https:// are supported");
  } else {
    has_scheme = false;
  }
  if (rest.find_first_of("?#") != std::string_view::npos)
    return make_error(ErrorCode::kInvalidArgument,
                      "server URL '" + std::string(text) + "' must not have a query or fragment");
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.base_path = std::string(path);

  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return make_error(ErrorCode::kInvalidArgument, "server URL: unclosed '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return make_error(ErrorCode::kInvalidArgument, "server URL: bad host");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty())
    return make_error(ErrorCode::kInvalidArgument,
                      "server URL '" + std::string(text) + "' has no host name");
  if (!has_scheme) url.tls = !is_loopback_name(url.host);
  if (port.empty() && authority.ends_with(":"))
    return make_error(ErrorCode::kInvalidArgument, "server URL: empty port");
  if (!port.empty()) {
    unsigned long value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || port.size() > 5)
        return make_error(ErrorCode::kInvalidArgument,
                          "server URL: port '" + std::string(port) + "' is not a number");
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535)
      return make_error(ErrorCode::kInvalidArgument,
                        "server URL: port " + std::string(port) + " out of range");
    url.port = std::to_string(value);
  } else {
    url.port = url.tls ? "443" : "80";
  }
  return url;
}

std::string default_server() {
  const char* env = std::getenv("INK_SERVER");
  if (env && *env) return env;
  return "http://localhost:23230";
}

}  // namespace ink::cli
