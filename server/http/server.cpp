#include "server/http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/http/compression.hpp"
#include "server/http/framing.hpp"
#include "storage/blob_file.hpp"

namespace crmd::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

// A time limit on the socket operations that follow arm(): when it passes,
// the socket's pending operations are cancelled and expired() says why.
// Unlike beast::tcp_stream's timeout it leaves the socket open, so the
// client can still be told 408. A request arms and disarms it several
// times; arming only moves the time due, and the timer is set again only
// for a sooner time, or when it wakes before the time due: cancelling and
// setting it each time was a twentieth of a keep-alive GET's CPU.
class Deadline {
 public:
  using Clock = asio::steady_timer::clock_type;

  explicit Deadline(asio::ip::tcp::socket& socket)
      : socket_(socket), timer_(socket.get_executor()) {}

  void arm(std::chrono::milliseconds limit) {
    expired_ = false;
    armed_ = true;
    due_ = Clock::now() + limit;
    if (!waiting_ || timer_.expiry() > due_) wait();
  }
  void disarm() { armed_ = false; }
  bool expired() const { return expired_; }

 private:
  void wait() {
    waiting_ = true;
    timer_.expires_at(due_);  // a wait pending for later ends as operation_aborted
    timer_.async_wait([this](boost::system::error_code ec) {
      // Aborted: replaced by a sooner wait, or the connection is gone.
      if (ec) return;
      waiting_ = false;
      if (!armed_) return;
      if (Clock::now() < due_) return wait();
      armed_ = false;
      expired_ = true;
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    });
  }

  asio::ip::tcp::socket& socket_;
  asio::steady_timer timer_;
  Clock::time_point due_{};
  bool armed_ = false;
  bool waiting_ = false;
  bool expired_ = false;
};

constexpr std::chrono::seconds kRejectWriteLimit{5};
constexpr std::size_t kFirstRead = 4096;  // the buffer a request's first read allocates
constexpr std::size_t kUploadChunkBytes = 1024 * 1024;

Error too_large(std::uint64_t limit) {
  return Error(ErrorKind::payload_too_large, "payload_too_large",
               "the body exceeds " + std::to_string(limit) + " bytes");
}

// Bytes of the global in-memory body budget held by one request, given
// back when the request is done.
class BodyReservation {
 public:
  BodyReservation() = default;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  ~BodyReservation() { release(); }
  void release() {
    if (budget_) budget_->fetch_sub(bytes_);
    budget_ = nullptr;
  }
  // False when the budget cannot take bytes more.
  bool take(std::atomic<std::size_t>& budget, std::size_t bytes, std::size_t limit) {
    auto held = budget.load();
    do {
      if (held + bytes > limit) return false;
    } while (!budget.compare_exchange_weak(held, held + bytes));
    budget_ = &budget;
    bytes_ = bytes;
    return true;
  }

 private:
  std::atomic<std::size_t>* budget_ = nullptr;
  std::size_t bytes_ = 0;
};

// A body read that failed with the client still there to be told why.
bool reportable(const boost::system::error_code& ec, const Deadline& deadline) {
  return deadline.expired() || (ec != asio::error::operation_aborted && ec != asio::error::eof &&
                                ec != asio::error::connection_reset);
}

// Why reading a body failed, as the client is told.
Error body_error(const boost::system::error_code& ec, bool timed_out, std::uint64_t limit) {
  if (timed_out)
    return Error(ErrorKind::request_timeout, "request_timeout", "the request body took too long");
  if (ec == beast_http::error::body_limit) return too_large(limit);
  if (ec == asio::error::no_buffer_space)
    return Error(ErrorKind::unavailable, "storage_unavailable", "the upload could not be stored");
  return Error(ErrorKind::bad_request, "malformed_body",
               "the request body is malformed: " + ec.message());
}

// The chunks of a streamed body after its header, each within limit. A
// failure to read the body ends the connection: the client sees a short
// body, as the header was sent already.
template <class Stream>
asio::awaitable<boost::system::error_code> write_streamed_body(Stream& stream, BodySource& body,
                                                               Deadline& deadline,
                                                               std::chrono::milliseconds limit) {
  try {
    while (true) {
      const auto chunk = co_await body.next();
      if (chunk.empty()) co_return boost::system::error_code{};
      deadline.arm(limit);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(chunk), kTuple);
      deadline.disarm();
      if (ec) co_return ec;
    }
  } catch (const std::exception& e) {
    spdlog::error("streamed body failed: {}", e.what());
  }
  co_return make_error_code(asio::error::connection_aborted);
}

// The header alone before a chunked streamed body, whose source frames the
// chunks: Beast would end a chunked message at once, its body being empty.
template <class Stream>
asio::awaitable<boost::system::error_code> write_answer(Stream& stream, Response& response,
                                                        bool header_only) {
  if (header_only) {
    beast_http::response_serializer<beast_http::string_body> serializer(response);
    auto [ec, n] = co_await beast_http::async_write_header(stream, serializer, kTuple);
    co_return ec;
  }
  auto [ec, n] = co_await beast_http::async_write(stream, response, kTuple);
  co_return ec;
}

}  // namespace

struct Server::Session {
  asio::any_io_executor executor;
  asio::ip::tcp::socket* socket = nullptr;  // strand only
  bool busy = false;                        // strand only: a request is being handled
};

// What a connection keeps between its requests; the buffer is empty (no
// memory) while the connection is idle, and the first bytes of the next
// request are read into first_bytes.
struct Server::Connection {
  Connection(asio::ip::tcp::socket& socket, std::string remote_address)
      : deadline(socket), remote(std::move(remote_address)) {}
  beast::flat_buffer buffer;
  std::array<char, 512> first_bytes;  // most requests without a body fit; < kFirstRead
  Deadline deadline;
  std::string remote;  // the client's address
};

Server::Server(asio::io_context& io, asio::thread_pool& blocking, Pipeline& pipeline,
               ServerLimits limits, std::optional<asio::ssl::context> tls)
    : io_(io),
      blocking_(blocking),
      pipeline_(pipeline),
      limits_(limits),
      tls_(std::move(tls)),
      acceptor_(asio::make_strand(io)) {}

Server::~Server() = default;

unsigned short Server::listen(const std::string& host, unsigned short port) {
  const Tcp::endpoint endpoint(asio::ip::make_address(host), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(Tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
  return acceptor_.local_endpoint().port();
}

asio::awaitable<void> Server::accept_loop() {
  asio::steady_timer pause(acceptor_.get_executor());
  for (;;) {
    // Accepting into a socket made here: the executor is not handed through
    // async_initiate (see storage/async.hpp).
    Tcp::socket socket(asio::make_strand(io_));
    auto [ec] = co_await acceptor_.async_accept(socket, kTuple);
    if (draining_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Out of descriptors, typically: wait a little rather than spin.
      spdlog::warn("accept failed: {}", ec.message());
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (open_.load() >= limits_.max_connections) {
      spdlog::warn("connection limit of {} reached: refusing a connection",
                   limits_.max_connections);
      continue;  // the socket closes as it goes out of scope
    }
    boost::system::error_code ignored;
    socket.set_option(Tcp::no_delay(true), ignored);
    socket.non_blocking(true, ignored);  // serve()'s read after a readiness wait never blocks
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::run_session(Tcp::socket socket) {
  auto session = std::make_shared<Session>();
  session->executor = socket.get_executor();
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    sessions_.emplace(id, session);
  }
  ++open_;
  try {
    if (tls_) {
      asio::ssl::stream<Tcp::socket> stream(std::move(socket), *tls_);
      session->socket = &stream.next_layer();
      Deadline deadline(stream.next_layer());
      deadline.arm(limits_.header_timeout);
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
      deadline.disarm();
      if (!ec) co_await serve(stream, *session);
    } else {
      session->socket = &socket;
      co_await serve(socket, *session);
    }
  } catch (const std::exception& e) {
    spdlog::error("connection failed: {}", e.what());
  }
  session->socket = nullptr;
  forget(id);
}

void Server::forget(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
  if (--open_ == 0 && drained_) drained_->try_send(boost::system::error_code{});
}

template <class Stream>
asio::awaitable<void> Server::serve(Stream& stream, Session& session) {
  auto& socket = beast::get_lowest_layer(stream);
  boost::system::error_code ignored;
  const auto peer = socket.remote_endpoint(ignored);
  Connection connection(socket, ignored ? std::string() : peer.address().to_string());
  auto& buffer = connection.buffer;
  auto& deadline = connection.deadline;

  while (!draining_) {
    // The idle keep-alive time runs until the first byte of a request.
    if (buffer.size() == 0) {
      buffer.shrink_to_fit();  // nothing left in it: an idle connection holds no buffer
      deadline.arm(limits_.idle_timeout);
      boost::system::error_code ec;
      if constexpr (std::is_same_v<Stream, Tcp::socket>) {
        // A read into the connection's few bytes, not a wait for
        // readability: Asio re-arms the socket in epoll (a system call) for
        // every wait, but tries a read at once and else leaves it armed.
        auto [read_ec, n] =
            co_await socket.async_read_some(asio::buffer(connection.first_bytes), kTuple);
        ec = read_ec;
        if (n > 0) {
          buffer.commit(asio::buffer_copy(buffer.prepare(kFirstRead),
                                          asio::buffer(connection.first_bytes.data(), n)));
          idle_reads_.fetch_add(1, std::memory_order_relaxed);
        }
      } else {
        // TLS may hold decrypted bytes the socket no longer shows: it reads.
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstRead), kTuple);
        ec = read_ec;
        buffer.commit(n);
      }
      deadline.disarm();
      if (ec) break;
    }
    const bool more = co_await serve_request(stream, session, connection);
    if (!more) break;
  }

  if constexpr (std::is_same_v<Stream, Tcp::socket>) {
    stream.shutdown(Tcp::socket::shutdown_send, ignored);
  } else {
    deadline.arm(kRejectWriteLimit);
    co_await stream.async_shutdown(kTuple);
    deadline.disarm();
  }
}

// One request, from its header (its first bytes are in the buffer) to the
// end of its answer. False: the connection closes (an error, a rejection,
// no keep-alive).
template <class Stream>
asio::awaitable<bool> Server::serve_request(Stream& stream, Session& session,
                                            Connection& connection) {
  auto& buffer = connection.buffer;
  auto& deadline = connection.deadline;
  const std::string& remote = connection.remote;

  auto reject = [&](const Error& error, const Message* partial) -> asio::awaitable<void> {
    auto response = pipeline_.reject(error, remote, partial);
    deadline.arm(kRejectWriteLimit);
    co_await beast_http::async_write(stream, response, kTuple);
    deadline.disarm();
  };

  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  // The route, known once the header is read, decides which limit applies.
  parser.body_limit(std::max(limits_.max_body_bytes, limits_.max_upload_bytes));
  deadline.arm(limits_.header_timeout);
  auto [header_ec, header_n] =
      co_await beast_http::async_read_header(stream, buffer, parser, kTuple);
  deadline.disarm();
  if (header_ec) {
    if (deadline.expired())
      co_await reject(
          Error(ErrorKind::request_timeout, "request_timeout", "the request headers took too long"),
          nullptr);
    else if (header_ec == beast_http::error::body_limit)  // Content-Length over the limit
      co_await reject(too_large(std::max(limits_.max_body_bytes, limits_.max_upload_bytes)),
                      nullptr);
    else if (header_ec == beast_http::error::header_limit)
      co_await reject(Error(ErrorKind::header_too_large, "header_too_large",
                            "the request headers are too large"),
                      nullptr);
    else if (header_ec != beast_http::error::end_of_stream &&
             header_ec != asio::error::operation_aborted && header_ec != asio::error::eof &&
             header_ec != asio::error::connection_reset)
      co_await reject(Error(ErrorKind::bad_request, "malformed_request",
                            "the request is malformed: " + header_ec.message()),
                      nullptr);
    co_return false;
  }
  if (auto problem = framing_problem(parser.get())) {
    co_await reject(Error(ErrorKind::bad_request, "bad_framing", *problem), &parser.get());
    co_return false;
  }
  // An upload route's caller is checked before its body is read, and the
  // body goes to a file instead of memory.
  const bool upload = !parser.is_done() && pipeline_.takes_upload(parser.get());
  if (!parser.is_done()) {
    std::optional<Error> refused;
    if (upload) {
      Request probe;
      probe.message = parser.get();
      probe.remote_address = remote;
      try {
        co_await pipeline_.admit(probe);
      } catch (const Error& e) {
        refused = e;
      }
    }
    if (refused) {
      co_await reject(*refused, &parser.get());
      co_return false;
    }
    const auto declared = parser.content_length();
    if (!upload && declared && *declared > limits_.max_body_bytes) {
      co_await reject(too_large(limits_.max_body_bytes), &parser.get());
      co_return false;
    }
    parser.body_limit(upload ? limits_.max_upload_bytes : limits_.max_body_bytes);
    if (beast::iequals(parser.get()[beast_http::field::expect], "100-continue")) {
      beast_http::response<beast_http::empty_body> go_on(beast_http::status::continue_,
                                                         parser.get().version());
      co_await beast_http::async_write(stream, go_on, kTuple);
    }
  }
  std::shared_ptr<Upload> uploaded;
  std::optional<Message> upload_header;
  BodyReservation reservation;
  if (!upload && !parser.is_done()) {
    const auto declared = parser.content_length();
    const auto bytes = declared ? static_cast<std::size_t>(*declared) : limits_.max_body_bytes;
    if (!reservation.take(inflight_body_bytes_, bytes, limits_.max_inflight_body_bytes)) {
      co_await reject(Error(ErrorKind::unavailable, "server_busy",
                            "too many request bodies in flight; retry shortly"),
                      &parser.get());
      co_return false;
    }
  }
  const auto upload_length = parser.content_length();
  if (upload && upload_length && *upload_length > limits_.max_upload_bytes) {
    co_await reject(too_large(limits_.max_upload_bytes), &parser.get());
    co_return false;
  }
  if (upload) {
    // A body of known length is read straight from the socket into the
    // chunks the disk takes (after what the header's read left in the
    // buffer): no copy through the parser, one read per chunk. A chunked
    // one goes through the parser.
    const bool direct = upload_length && !parser.chunked();
    std::uint64_t left = direct ? *upload_length : 0;
    upload_header.emplace(parser.get().base());
    std::optional<beast_http::request_parser<beast_http::buffer_body>> streaming;
    if (!direct) {
      streaming.emplace(std::move(parser));
      streaming->body_limit(limits_.max_upload_bytes);
    }
    storage::BlobWriter file(limits_.upload_dir + "/upload-" + Uuid::random_v4().str(), blocking_);
    boost::system::error_code body_ec;
    try {
      co_await file.open();
      for (;;) {
        const bool done = direct ? left == 0 : streaming->is_done();
        if (done || body_ec) break;
        auto chunk = file.buffer(static_cast<std::size_t>(
            direct ? std::min<std::uint64_t>(left, kUploadChunkBytes) : kUploadChunkBytes));
        std::size_t got = 0;
        deadline.arm(limits_.body_timeout);
        if (direct) {
          got = asio::buffer_copy(asio::buffer(chunk), buffer.data());
          buffer.consume(got);
          if (got < chunk.size()) {
            auto [ec, n] = co_await asio::async_read(
                stream, asio::buffer(chunk.data() + got, chunk.size() - got), kTuple);
            body_ec = ec;
            got += n;
          }
          left -= got;
        } else {
          streaming->get().body().data = chunk.data();
          streaming->get().body().size = chunk.size();
          auto [ec, n] = co_await beast_http::async_read(stream, buffer, *streaming, kTuple);
          body_ec = ec == beast_http::error::need_buffer ? boost::system::error_code{} : ec;
          got = chunk.size() - streaming->get().body().size;
        }
        deadline.disarm();
        chunk.resize(got);
        if (!body_ec && !chunk.empty()) co_await file.append(std::move(chunk));
      }
      if (!body_ec) co_await file.finish();
    } catch (const std::exception& e) {
      spdlog::error("upload could not be stored: {}", e.what());
      body_ec = make_error_code(asio::error::no_buffer_space);
    }
    if (body_ec) {
      co_await file.discard();
      if (reportable(body_ec, deadline))
        co_await reject(body_error(body_ec, deadline.expired(), limits_.max_upload_bytes), nullptr);
      co_return false;
    }
    uploaded = std::make_shared<Upload>(file.path(), file.bytes(), file.digest(), blocking_);
    if (streaming) upload_header.emplace(std::move(streaming->release().base()));
  } else if (!parser.is_done()) {
    deadline.arm(limits_.body_timeout);
    auto [body_ec, body_n] = co_await beast_http::async_read(stream, buffer, parser, kTuple);
    deadline.disarm();
    if (body_ec) {
      if (reportable(body_ec, deadline))
        co_await reject(body_error(body_ec, deadline.expired(), limits_.max_body_bytes),
                        &parser.get());
      co_return false;
    }
  }

  session.busy = true;
  Request request;
  if (upload_header)
    request.message = std::move(*upload_header);
  else
    request.message = parser.release();
  request.upload = std::move(uploaded);
  request.remote_address = remote;
  request.secure = !std::is_same_v<Stream, Tcp::socket>;
  const AnswerCoding coding(request.message);
  // The request is out of the buffer: unless the next one is in it already,
  // its memory goes back while the request is handled (a long-poll may wait
  // a minute).
  if (buffer.size() == 0) buffer.shrink_to_fit();
  Response response = co_await pipeline_.handle(request);
  std::string().swap(request.message.body());  // handled: its memory goes back
  reservation.release();
  co_await coding.apply(response, request.streamed_body, blocking_);
  const bool keep_alive = request.message.keep_alive() && !draining_;
  response.keep_alive(keep_alive);
  const bool header_only = request.streamed_body && response.chunked();
  deadline.arm(limits_.body_timeout);
  auto write_ec = co_await write_answer(stream, response, header_only);
  deadline.disarm();
  if (!write_ec && request.streamed_body && request.method() != beast_http::verb::head)
    write_ec = co_await write_streamed_body(stream, *request.streamed_body, deadline,
                                            limits_.body_timeout);
  session.busy = false;
  co_return !write_ec && keep_alive;
}

asio::awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
  draining_ = true;
  asio::dispatch(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  auto close_sessions = [this](bool idle_only) {
    std::lock_guard lock(mutex_);
    for (auto& [id, session] : sessions_) {
      asio::dispatch(session->executor, [session, idle_only] {
        if (!session->socket || (idle_only && session->busy)) return;
        boost::system::error_code ignored;
        session->socket->cancel(ignored);
        if (!idle_only) session->socket->close(ignored);
      });
    }
  };
  // Signalled by the last session to close (forget()) or by a timer.
  auto signal = std::make_shared<Signal>(io_, 2);
  {
    std::lock_guard lock(mutex_);
    drained_ = signal;
  }
  auto wait_at_most = [&](auto limit) -> asio::awaitable<void> {
    if (open_.load() == 0) co_return;
    asio::steady_timer timer(io_, limit);
    timer.async_wait([signal](boost::system::error_code ec) {
      if (!ec) signal->try_send(boost::system::error_code{});
    });
    co_await signal->async_receive(kTuple);
  };
  close_sessions(true);
  co_await wait_at_most(grace);
  if (open_.load() > 0) {
    spdlog::warn("{} connections still open after the shutdown grace period: closing them",
                 open_.load());
    close_sessions(false);
    co_await wait_at_most(std::chrono::seconds(1));
  }
}

}  // namespace crmd::http
