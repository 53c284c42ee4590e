#include "server/server.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "server/http_framing.h"

namespace ink::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::awaitable;
using asio::ip::tcp;
// Connections come over TCP or, from a proxy on this host, a Unix socket:
// one session type serves both.
using Socket = asio::generic::stream_protocol::socket;
using Stream = beast::basic_stream<asio::generic::stream_protocol, asio::any_io_executor,
                                   beast::unlimited_rate_policy>;
using LocalProtocol = asio::local::stream_protocol;

namespace {

auto with_ec(boost::system::error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

struct ConnectionCount {
  explicit ConnectionCount(Metrics& m) : metrics(m) { ++metrics.open_connections; }
  ~ConnectionCount() { --metrics.open_connections; }
  Metrics& metrics;
};

// Whether a process accepts connections on the Unix socket at `path`: a
// connect is refused only when no one listens (a full backlog still means
// someone does).
bool someone_listens_on(const std::string& path) {
  asio::io_context io;
  LocalProtocol::socket probe(io);
  boost::system::error_code ec;
  probe.open(LocalProtocol(), ec);
  if (!ec) probe.non_blocking(true, ec);
  if (!ec) probe.connect(LocalProtocol::endpoint(path), ec);
  return !ec || ec == asio::error::would_block || ec == asio::error::try_again ||
         ec == asio::error::in_progress;
}

}  // namespace

// What stop() needs to close a keep-alive connection that sits between
// requests. Touched only on the connection's executor, except the registry.
struct ConnectionHandle {
  asio::any_io_executor executor;
  Stream* stream = nullptr;  // nullptr once the session no longer owns it
  const beast::flat_buffer* buffer = nullptr;
  bool idle = false;  // waiting for the first byte of the next request
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io_, std::vector<asio::any_io_executor> session_executors_,
       const Config& config_, Api& api_, pubsub::Hub& hub_, Metrics& metrics_,
       std::atomic<bool>& stopping_)
      : io(io_),
        session_executors(std::move(session_executors_)),
        config(config_),
        api(api_),
        hub(hub_),
        metrics(metrics_),
        stopping(stopping_),
        acceptor(io_),
        local_acceptor(io_) {
    if (session_executors.empty()) session_executors.push_back(io_.get_executor());
    for (auto& t : config.trusted_proxies) {
      boost::system::error_code ec;
      auto a = asio::ip::make_address(t, ec);
      if (ec) throw std::invalid_argument("bad trusted proxy address: " + t);
      trusted.push_back(a);
    }
  }

  using Parser = http::request_parser<http::string_body>;

  template <class Acceptor>
  awaitable<void> accept_loop(Acceptor& from);
  // One connection: read a request, serve it (or hand it to the live feed),
  // write the answer, again while the connection is kept alive.
  awaitable<void> session(Socket socket);
  // Reads one whole request into `parser`. False: the connection is done
  // (closed, timed out, or the request was refused and answered).
  awaitable<bool> read_request(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                               ConnectionHandle& handle);
  // Answers through the API; false when the connection must close.
  // `peer`: the TCP peer's address; nullopt for a Unix socket's (a process on
  // this host, trusted like a proxy).
  awaitable<bool> serve(Stream& stream, http::request<http::string_body> req,
                        const std::optional<asio::ip::address>& peer);
  // The one place a request is refused: the error in the protocol's body,
  // and the connection closed (after a refusal nothing read can be trusted).
  awaitable<void> refuse_request(Stream& stream, int status, std::string code, std::string message,
                                 const Parser* parser,
                                 std::vector<std::pair<std::string, std::string>> headers = {});
  // A problem with a WebSocket upgrade request, before Beast sees it.
  std::optional<FramingProblem> check_upgrade(const http::request<http::string_body>& req) const;
  void refuse_connection(Socket& socket);
  void close_idle_connections();

  asio::io_context& io;
  // One single-threaded io_context each: a connection lives on one of them
  // (round robin), so its handlers never hop threads and need no strand.
  std::vector<asio::any_io_executor> session_executors;
  size_t next_session_executor = 0;  // touched by the accept loop only
  const Config& config;
  Api& api;
  pubsub::Hub& hub;
  Metrics& metrics;
  std::atomic<bool>& stopping;
  tcp::acceptor acceptor;
  LocalProtocol::acceptor local_acceptor;       // open when config.listen_unix is set
  std::pair<dev_t, ino_t> local_socket_file{};  // the file it made (device, inode)
  std::vector<asio::ip::address> trusted;
  std::mutex connections_mutex;
  std::unordered_set<std::shared_ptr<ConnectionHandle>> connections;
};

// On shutdown a connection waiting for its next request has nothing to
// finish. stop() gives the peer `drain_idle_seconds` to close it (a proxy's
// pool closes idle upstream connections by itself; any request sent
// meanwhile is answered with `Connection: close`), then closes what is left.
// A connection mid-request is left alone and answers with `Connection: close`.
void Server::Impl::close_idle_connections() {
  std::vector<std::shared_ptr<ConnectionHandle>> all;
  {
    std::lock_guard lock(connections_mutex);
    all.assign(connections.begin(), connections.end());
  }
  for (auto& handle : all)
    asio::post(handle->executor, [handle] {
      if (handle->stream && handle->idle && handle->buffer->size() == 0) handle->stream->cancel();
    });
}

// A live-feed subscriber: heads queue on the session's executor and one writer
// sends them in order; a queue over the limit means the client cannot keep
// up, and it is dropped rather than waited for.
class LiveSession : public pubsub::HubMember, public std::enable_shared_from_this<LiveSession> {
 public:
  LiveSession(Stream&& stream, Server::Impl& server) : ws_(std::move(stream)), server_(server) {}

  awaitable<void> run(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout =
        std::chrono::milliseconds(int64_t(server_.config.ws_idle_seconds * 1000));
    timeout.keep_alive_pings = true;  // ping at half the idle time, close without pong
    ws_.set_option(timeout);
    ws_.read_message_max(4096);
    boost::system::error_code ec;
    co_await ws_.async_accept(request, with_ec(ec));
    if (ec) co_return;
    server_.hub.join(shared_from_this());
    beast::flat_buffer buffer;
    for (;;) {  // clients have nothing to say; reading keeps control frames flowing
      co_await ws_.async_read(buffer, with_ec(ec));
      if (ec) break;
      buffer.consume(buffer.size());
    }
    closed_ = true;
    server_.hub.leave(this);
  }

  void deliver(std::shared_ptr<const std::string> message) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)] {
      self->enqueue(std::move(message));
    });
  }

  void close() override {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close_requested_ = true;
      if (!self->writing_ && !self->closed_) self->start_writer();
    });
  }

 private:
  void enqueue(std::shared_ptr<const std::string> message) {
    if (closed_ || close_requested_) return;
    if (queue_.size() >= server_.config.ws_queue_limit) {
      spdlog::info("dropping a live subscriber that fell {} heads behind", queue_.size());
      closed_ = true;
      queue_.clear();
      boost::system::error_code ec;
      beast::get_lowest_layer(ws_).socket().close(ec);
      return;
    }
    queue_.push_back(std::move(message));
    if (!writing_) start_writer();
  }

  void start_writer() {
    writing_ = true;
    asio::co_spawn(
        ws_.get_executor(), [self = shared_from_this()] { return self->write_loop(); },
        asio::detached);
  }

  awaitable<void> write_loop() {
    boost::system::error_code ec;
    while (!queue_.empty() && !closed_) {
      auto message = queue_.front();
      ws_.text(true);
      co_await ws_.async_write(asio::buffer(*message), with_ec(ec));
      if (!queue_.empty()) queue_.pop_front();
      if (ec) {
        closed_ = true;
        queue_.clear();
      }
    }
    if (close_requested_ && !closed_) {
      closed_ = true;
      websocket::close_reason reason(websocket::close_code::going_away, "server shutting down");
      co_await ws_.async_close(reason, with_ec(ec));
    }
    writing_ = false;
  }

  websocket::stream<Stream> ws_;
  Server::Impl& server_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
  bool closed_ = false;
  bool close_requested_ = false;
};

void Server::Impl::refuse_connection(Socket& socket) {
  static const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: 65\r\n\r\n"
      "{\"error\":\"unavailable\",\"message\":\"too many connections, retry\"}\n";
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(answer), ec);
  socket.close(ec);
}

template <class Acceptor>
awaitable<void> Server::Impl::accept_loop(Acceptor& from) {
  auto self = shared_from_this();
  for (;;) {
    Socket socket(session_executors[next_session_executor]);
    next_session_executor = (next_session_executor + 1) % session_executors.size();
    boost::system::error_code ec;
    co_await from.async_accept(socket, with_ec(ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !from.is_open()) co_return;
      // Out of descriptors or similar: pause rather than spin.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer pause(from.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(with_ec(ec));
      continue;
    }
    if (size_t(metrics.open_connections.load()) >= config.max_connections) {
      refuse_connection(socket);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

awaitable<void> Server::Impl::refuse_request(
    Stream& stream, int status, std::string code, std::string message, const Parser* parser,
    std::vector<std::pair<std::string, std::string>> headers) {
  std::optional<std::string> accept;
  std::string content_type;
  if (parser) {
    auto& h = parser->get();
    if (auto it = h.find(http::field::accept); it != h.end()) accept = std::string(it->value());
    if (auto it = h.find(http::field::content_type); it != h.end())
      content_type = std::string(it->value());
  }
  auto res = api.error(status, code, message, accept, content_type);
  http::response<http::string_body> msg{static_cast<http::status>(status), 11};
  msg.set(http::field::content_type, res.content_type);
  for (auto& [name, value] : headers) msg.set(name, value);
  msg.body() = std::move(res.body);
  msg.keep_alive(false);
  msg.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  boost::system::error_code ec;
  co_await http::async_write(stream, msg, with_ec(ec));
  metrics.observe("malformed", status, 0);
}

namespace {

// Reads until the buffer holds a whole header (up to its empty line) and
// returns the header's length; 0 when `limit` bytes arrived without one.
awaitable<std::size_t> read_header_bytes(Stream& stream, beast::flat_buffer& buffer,
                                         boost::system::error_code& ec, std::size_t limit) {
  std::size_t searched = 0;
  for (;;) {
    std::string_view have(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto end = have.find("\r\n\r\n", searched);
    if (end != std::string_view::npos) co_return end + 4;
    if (have.size() >= limit) co_return 0;
    searched = have.size() < 3 ? 0 : have.size() - 3;
    auto room = std::min<std::size_t>(4096, buffer.max_size() - buffer.size());
    std::size_t n = co_await stream.async_read_some(buffer.prepare(room), with_ec(ec));
    if (ec) co_return 0;
    buffer.commit(n);
  }
}

bool quiet_end(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted;
}

}  // namespace

awaitable<bool> Server::Impl::read_request(Stream& stream, beast::flat_buffer& buffer,
                                           Parser& parser, ConnectionHandle& handle) {
  parser.header_limit(std::uint32_t(config.max_header_bytes));
  parser.body_limit(config.max_body_bytes);
  boost::system::error_code ec;
  // The raw header first, to look at it before any parser interprets it.
  handle.idle = true;
  std::size_t header_end =
      co_await read_header_bytes(stream, buffer, ec, config.max_header_bytes + 1);
  handle.idle = false;
  if (ec) co_return false;  // closed, reset, timed out or shut down: nothing to answer
  if (header_end == 0 || header_end > config.max_header_bytes) {
    co_await refuse_request(stream, 431, "bad_request", "request headers too large", nullptr);
    co_return false;
  }
  const std::string_view raw(static_cast<const char*>(buffer.data().data()), header_end);
  if (auto problem = check_raw_header(raw)) {
    co_await refuse_request(stream, problem->status, problem->code, problem->message, nullptr);
    co_return false;
  }
  co_await http::async_read_header(stream, buffer, parser, with_ec(ec));
  if (ec) {
    if (quiet_end(ec)) co_return false;
    if (ec == http::error::header_limit)
      co_await refuse_request(stream, 431, "bad_request", "request headers too large", nullptr);
    else if (ec == http::error::body_limit)
      co_await refuse_request(stream, 413, "too_large", "body over the limit", &parser);
    else
      co_await refuse_request(stream, 400, "bad_request", "malformed request: " + ec.message(),
                              nullptr);
    co_return false;
  }
  auto& header = parser.get();
  std::vector<HeaderField> fields;
  for (auto& f : header)
    fields.emplace_back(std::string_view(f.name_string().data(), f.name_string().size()),
                        std::string_view(f.value().data(), f.value().size()));
  if (auto problem = check_framing(header.version(), fields)) {
    co_await refuse_request(stream, problem->status, problem->code, problem->message, &parser);
    co_return false;
  }
  if (websocket::is_upgrade(header)) co_return true;  // no body; the live feed takes over
  if (auto it = header.find(http::field::expect);
      it != header.end() && beast::iequals(it->value(), "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, header.version()};
    co_await http::async_write(stream, cont, with_ec(ec));
    if (ec) co_return false;
  }
  if (!parser.is_done()) {
    co_await http::async_read(stream, buffer, parser, with_ec(ec));
    if (ec == http::error::body_limit) {
      co_await refuse_request(stream, 413, "too_large", "body over the limit", &parser);
      co_return false;
    }
    if (ec) {
      if (!quiet_end(ec))
        co_await refuse_request(stream, 400, "bad_request", "malformed body: " + ec.message(),
                                &parser);
      co_return false;
    }
  }
  co_return true;
}

std::optional<FramingProblem> Server::Impl::check_upgrade(
    const http::request<http::string_body>& req) const {
  if (!Api::is_live_path(std::string_view(req.target().data(), req.target().size())))
    return FramingProblem{404, "not_found",
                          "no WebSocket here (the live feed is /api/v1/mth/live)"};
  if (req.method() != http::verb::get || req.version() < 11)
    return FramingProblem{400, "bad_request", "a WebSocket upgrade is an HTTP/1.1 GET"};
  auto key = req[http::field::sec_websocket_key];
  if (key.size() != 24)  // base64 of 16 bytes
    return FramingProblem{400, "bad_request",
                          "Sec-WebSocket-Key missing or not 16 bytes in base64"};
  if (req[http::field::sec_websocket_version] != "13")
    return FramingProblem{426, "upgrade_required", "only WebSocket version 13 is spoken here"};
  return std::nullopt;
}

awaitable<bool> Server::Impl::serve(Stream& stream, http::request<http::string_body> req,
                                    const std::optional<asio::ip::address>& peer) {
  auto started = std::chrono::steady_clock::now();
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  if (auto it = req.find(http::field::content_type); it != req.end())
    request.content_type = std::string(it->value());
  if (auto it = req.find(http::field::accept); it != req.end())
    request.accept = std::string(it->value());
  request.body = std::move(req.body());
  request.client = peer ? peer->to_string() : "local";
  if (!peer || std::find(trusted.begin(), trusted.end(), *peer) != trusted.end()) {
    if (auto it = req.find("X-Real-IP"); it != req.end() && !it->value().empty())
      request.client = std::string(it->value());
  }
  Response res = co_await api.handle(std::move(request));

  http::response<http::string_body> msg{static_cast<http::status>(res.status), req.version()};
  if (!res.content_type.empty()) msg.set(http::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) msg.set(name, value);
  msg.body() = std::move(res.body);
  const bool keep_alive = req.keep_alive() && !stopping;
  msg.keep_alive(keep_alive);
  msg.prepare_payload();
  if (req.method() == http::verb::head) {
    // HEAD: the GET answer's headers, Content-Length included, and no body.
    const auto length = msg.body().size();
    msg.body().clear();
    msg.content_length(length);
  }
  stream.expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  co_await http::async_write(stream, msg, with_ec(ec));
  metrics.observe(
      res.route, res.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return !ec && keep_alive;
}

awaitable<void> Server::Impl::session(Socket socket) {
  auto self = shared_from_this();
  ConnectionCount count(metrics);
  boost::system::error_code ec;
  // An unknown peer (the connection already broken) is nobody trusted.
  std::optional<asio::ip::address> peer = asio::ip::address();
  auto remote = socket.remote_endpoint(ec);
  if (!ec && remote.protocol().family() == AF_UNIX) {
    peer.reset();
  } else if (!ec) {
    tcp::endpoint address;
    auto size = std::min(remote.size(), address.capacity());
    std::memcpy(address.data(), remote.data(), size);
    address.resize(size);
    peer = address.address();
    socket.set_option(tcp::no_delay(true), ec);
  }
  Stream stream(std::move(socket));
  // Bounded: a header that never ends cannot grow it past this.
  beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes + 16 * 1024);
  auto handle = std::make_shared<ConnectionHandle>();
  handle->executor = stream.get_executor();
  handle->stream = &stream;
  handle->buffer = &buffer;
  {
    std::lock_guard lock(connections_mutex);
    connections.insert(handle);
  }
  struct Unregister {
    Impl& impl;
    std::shared_ptr<ConnectionHandle> handle;
    ~Unregister() {
      handle->stream = nullptr;
      std::lock_guard lock(impl.connections_mutex);
      impl.connections.erase(handle);
    }
  } unregister{*this, handle};
  const auto read_timeout = std::chrono::milliseconds(int64_t(config.read_timeout_seconds * 1000));
  const auto drain_grace = std::chrono::milliseconds(int64_t(config.drain_idle_seconds * 1000));
  for (;;) {
    // One deadline for the whole request: trickling bytes cannot extend it.
    // Once stopping, a connection that falls idle (just answered, perhaps
    // after close_idle_connections() looked) keeps the peer's grace on its
    // own deadline: a proxy may have taken it from its pool a moment ago,
    // and its request is answered with `Connection: close`.
    stream.expires_after(stopping && buffer.size() == 0 ? std::min(drain_grace, read_timeout)
                                                        : read_timeout);
    Parser parser;
    if (!co_await read_request(stream, buffer, parser, *handle)) break;
    stream.expires_never();
    if (websocket::is_upgrade(parser.get())) {
      if (auto problem = check_upgrade(parser.get())) {
        std::vector<std::pair<std::string, std::string>> headers;
        if (problem->status == 426) headers.emplace_back("Sec-WebSocket-Version", "13");
        co_await refuse_request(stream, problem->status, problem->code, problem->message, &parser,
                                std::move(headers));
        break;
      }
      handle->stream = nullptr;  // the live session owns it now; hub.close_all() closes it
      auto live = std::make_shared<LiveSession>(std::move(stream), *this);
      auto upgrade = parser.release();
      co_await live->run(std::move(upgrade));
      co_return;
    }
    if (!co_await serve(stream, parser.release(), peer)) break;
  }
  stream.socket().shutdown(Socket::shutdown_send, ec);
}

Server::Server(asio::io_context& io, std::vector<asio::any_io_executor> session_executors,
               const Config& config, Api& api, pubsub::Hub& hub, Metrics& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(session_executors), config, api, hub, metrics,
                                   stopping_)) {}

void Server::start() {
  auto endpoint = parse_listen(impl_->config.listen);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  boost::system::error_code ec;
  acceptor.bind(endpoint, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + impl_->config.listen + ": " + ec.message());
  acceptor.listen(4096);
  port_ = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(acceptor), asio::detached);
  if (!impl_->config.listen_unix.empty()) listen_unix();
}

void Server::listen_unix() {
  const auto& path = impl_->config.listen_unix;
  // A socket file left by a process that died is replaced; anything else,
  // a live backend's socket above all, is not.
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode))
      throw std::runtime_error("cannot listen on " + path + ": it exists and is not a socket");
    if (someone_listens_on(path))
      throw std::runtime_error("cannot listen on " + path +
                               ": another process is listening on it (a backend with the same "
                               "INK_LISTEN_UNIX?)");
    ::unlink(path.c_str());
  }
  auto& local = impl_->local_acceptor;
  boost::system::error_code ec;
  local.open(LocalProtocol(), ec);
  if (!ec) local.bind(LocalProtocol::endpoint(path), ec);
  if (!ec) local.listen(4096, ec);
  if (ec) throw std::runtime_error("cannot listen on " + path + ": " + ec.message());
  struct stat mine {};
  if (::lstat(path.c_str(), &mine) == 0) impl_->local_socket_file = {mine.st_dev, mine.st_ino};
  // The proxy may run as another user (nginx's workers as nobody).
  ::chmod(path.c_str(), 0666);
  asio::co_spawn(local.get_executor(), impl_->accept_loop(local), asio::detached);
}

void Server::stop() {
  stopping_ = true;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    if (impl->local_acceptor.is_open()) {
      impl->local_acceptor.close(ec);
      // Only the file this process made, never one a successor put there.
      struct stat now {};
      const auto& path = impl->config.listen_unix;
      if (::lstat(path.c_str(), &now) == 0 &&
          std::pair{now.st_dev, now.st_ino} == impl->local_socket_file)
        ::unlink(path.c_str());
    }
  });
  impl_->hub.close_all();
  auto grace = std::make_shared<asio::steady_timer>(impl_->acceptor.get_executor());
  grace->expires_after(std::chrono::milliseconds(int64_t(impl_->config.drain_idle_seconds * 1000)));
  grace->async_wait(
      [impl = impl_, grace](boost::system::error_code) { impl->close_idle_connections(); });
}

}  // namespace ink::server
