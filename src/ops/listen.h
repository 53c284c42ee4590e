#pragma once
// Listen addresses as configured: "host:port", "[v6]:port", "*:port".

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace ink::ops {

// Throws std::invalid_argument on a malformed address.
boost::asio::ip::tcp::endpoint parse_listen(const std::string& listen);

}  // namespace ink::ops
