#pragma once
// Server addresses as users type them: http://host[:port][/base] or
// https://host[:port][/base]. A bare host[:port] means http for loopback
// names and https otherwise.

#include <string>
#include <string_view>

#include "core/result.h"

namespace ink::cli {

struct ServerUrl {
  bool tls = false;
  std::string host;          // without brackets for IPv6 literals
  std::string port;          // always set: the default 80/443 when not given
  std::string base_path;     // "" or "/prefix" without a trailing slash
  std::string text() const;  // normalised, e.g. "https://unchanging.ink"
  // "Host" header value: host, plus the port when it is not the default.
  std::string host_header() const;
};

// Errors (kInvalidArgument): other schemes, empty host, bad port, query or fragment.
core::Result<ServerUrl> parse_server_url(std::string_view text);

// --server, else $INK_SERVER, else http://localhost:23230.
std::string default_server();

}  // namespace ink::cli
