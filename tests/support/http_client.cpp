#include "support/http_client.h"

// clang-format off
#include <utility>  // before Asio's coroutine headers (Boost 1.74)
// clang-format on
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace ink::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http_ns = beast::http;
namespace ws = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::pair<std::string, std::string> host_port(const std::string& base_url) {
  std::string rest = base_url;
  auto scheme = rest.find("://");
  if (scheme != std::string::npos) rest = rest.substr(scheme + 3);
  auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, "80"};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpResponse http(const std::string& base_url, const HttpRequest& request) {
  auto [host, port] = host_port(base_url);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.expires_after(request.timeout);
  if (!request.source_address.empty()) {
    // One endpoint, connected on the bound socket (connecting to a resolver's
    // list would reopen it and lose the bind).
    auto& socket = stream.socket();
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::make_address(request.source_address), 0));
    socket.connect(*resolver.resolve(host, port).begin());
  } else {
    stream.connect(resolver.resolve(host, port));
  }

  http_ns::request<http_ns::string_body> req;
  req.method(http_ns::string_to_verb(request.method));
  req.target(request.target);
  req.version(11);
  req.set(http_ns::field::host, host + ":" + port);
  for (auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || request.method == "POST") {
    req.body() = request.body;
    req.prepare_payload();
  }
  http_ns::write(stream, req);

  beast::flat_buffer buffer;
  http_ns::response_parser<http_ns::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http_ns::read(stream, buffer, parser);
  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

HttpResponse http_get(const std::string& base_url, const std::string& target) {
  HttpRequest r;
  r.target = target;
  return http(base_url, r);
}

HttpResponse http_post_json(const std::string& base_url, const std::string& target,
                            const std::string& json) {
  HttpRequest r;
  r.method = "POST";
  r.target = target;
  r.headers["Content-Type"] = "application/json";
  r.body = json;
  return http(base_url, r);
}

std::string raw_exchange(const std::string& base_url, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  auto [host, port] = host_port(base_url);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  stream.connect(resolver.resolve(host, port));
  asio::write(stream, asio::buffer(bytes));
  std::string out;
  beast::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = stream.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

struct WebSocketClient::Impl {
  asio::io_context ioc;
  ws::stream<beast::tcp_stream> stream{ioc};
  beast::flat_buffer buffer;
};

WebSocketClient::WebSocketClient(const std::string& base_url, const std::string& target)
    : impl_(std::make_unique<Impl>()) {
  auto [host, port] = host_port(base_url);
  tcp::resolver resolver(impl_->ioc);
  beast::get_lowest_layer(impl_->stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(impl_->stream).connect(resolver.resolve(host, port));
  beast::get_lowest_layer(impl_->stream).expires_never();
  impl_->stream.handshake(host + ":" + port, target);
}

WebSocketClient::~WebSocketClient() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->stream).close();
}

std::optional<std::string> WebSocketClient::read(std::chrono::milliseconds timeout) {
  std::optional<std::string> result;
  bool done = false;
  impl_->buffer.clear();
  impl_->stream.async_read(impl_->buffer, [&](beast::error_code ec, size_t) {
    done = true;
    if (!ec) result = beast::buffers_to_string(impl_->buffer.data());
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    // Timed out: cancel the read; the stream is unusable afterwards for reads
    // in Beast, so close it.
    beast::get_lowest_layer(impl_->stream).cancel();
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::milliseconds(100));
  }
  return result;
}

void WebSocketClient::close() {
  beast::error_code ec;
  impl_->stream.close(ws::close_code::normal, ec);
}

}  // namespace ink::test
