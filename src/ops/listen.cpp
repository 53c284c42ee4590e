#include "ops/listen.h"

#include <stdexcept>

namespace ink::ops {

boost::asio::ip::tcp::endpoint parse_listen(const std::string& listen) {
  std::string host, port;
  if (!listen.empty() && listen[0] == '[') {
    auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      throw std::invalid_argument("bad listen address: " + listen);
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("listen needs host:port: " + listen);
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host.empty() || host == "*") host = "0.0.0.0";
  size_t used = 0;
  int p = -1;
  try {
    p = std::stoi(port, &used);
  } catch (const std::exception&) {
  }
  if (p < 0 || p > 65535 || used != port.size()) throw std::invalid_argument("bad port: " + listen);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("bad listen address: " + listen);
  return {address, static_cast<unsigned short>(p)};
}

}  // namespace ink::ops
