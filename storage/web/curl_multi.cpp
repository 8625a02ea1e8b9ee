#include "storage/web/curl_multi.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace crmd::web {
namespace asio = boost::asio;
using asio::posix::descriptor_base;

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("libcurl failed to initialise");
  });
}

}  // namespace

class CurlMulti::Core : public std::enable_shared_from_this<Core> {
 public:
  explicit Core(asio::any_io_executor io) : strand_(asio::make_strand(io)), timer_(strand_) {
    global_init_once();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Core::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Core::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, long{CURLPIPE_MULTIPLEX});
  }

  // Runs alone: on the strand, or while the io_context destroys the last
  // handler that held this state.
  ~Core() {
    stopped_ = true;
    for (auto& [easy, job] : jobs_) curl_multi_remove_handle(multi_, easy);
    jobs_.clear();
    // Before curl closes the cached connections' sockets: Asio must let go
    // of a descriptor before its number can be reused.
    while (!watches_.empty()) forget(watches_.begin()->first);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, nullptr);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, nullptr);
    curl_multi_cleanup(multi_);
  }

  const Strand& strand() const { return strand_; }

  // On the strand.
  void add(std::unique_ptr<CurlJob> job) {
    CURL* easy = job->easy();
    if (stopped_) return job->done(CURLE_ABORTED_BY_CALLBACK);
    if (curl_multi_add_handle(multi_, easy) != CURLM_OK) return job->done(CURLE_FAILED_INIT);
    jobs_.emplace(easy, std::move(job));
  }

  // On the strand.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    auto jobs = std::move(jobs_);
    jobs_.clear();
    for (auto& [easy, job] : jobs) {
      curl_multi_remove_handle(multi_, easy);
      job->done(CURLE_ABORTED_BY_CALLBACK);
    }
    while (!watches_.empty()) forget(watches_.begin()->first);
  }

 private:
  // One socket curl waits on. curl owns the file descriptor: the Asio
  // descriptor is released, never closed.
  struct Watch {
    Watch(const Strand& strand, curl_socket_t fd) : descriptor(strand, fd), fd(fd) {}
    asio::posix::stream_descriptor descriptor;
    curl_socket_t fd;
    int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false;
    bool writing = false;
    bool forgotten = false;
  };

  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
    static_cast<Core*>(self)->watch(fd, what);
    return 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* self) {
    static_cast<Core*>(self)->set_timer(timeout_ms);
    return 0;
  }

  void watch(curl_socket_t fd, int what) {
    if (what == CURL_POLL_REMOVE) return forget(fd);
    if (stopped_) return;
    auto& watch = watches_[fd];
    if (!watch) {
      try {
        watch = std::make_shared<Watch>(strand_, fd);
      } catch (const std::exception& e) {
        // curl then never hears of this socket again and the transfer
        // ends by its own timeout.
        spdlog::error("outbound: cannot watch socket {}: {}", fd, e.what());
        watches_.erase(fd);
        return;
      }
    }
    watch->wanted = what;
    arm(watch);
  }

  void arm(const std::shared_ptr<Watch>& watch) {
    if ((watch->wanted & CURL_POLL_IN) && !watch->reading) {
      watch->reading = true;
      watch->descriptor.async_wait(descriptor_base::wait_read, [self = shared_from_this(), watch](
                                                                   boost::system::error_code ec) {
        watch->reading = false;
        self->on_ready(watch, CURL_CSELECT_IN, ec);
      });
    }
    if ((watch->wanted & CURL_POLL_OUT) && !watch->writing) {
      watch->writing = true;
      watch->descriptor.async_wait(descriptor_base::wait_write, [self = shared_from_this(), watch](
                                                                    boost::system::error_code ec) {
        watch->writing = false;
        self->on_ready(watch, CURL_CSELECT_OUT, ec);
      });
    }
  }

  void on_ready(const std::shared_ptr<Watch>& watch, int direction, boost::system::error_code ec) {
    if (watch->forgotten || stopped_ || ec == asio::error::operation_aborted) return;
    // curl may have changed its mind while this wait was queued.
    if (!(watch->wanted & direction)) return;
    act(watch->fd, ec ? CURL_CSELECT_ERR : direction);
    if (!watch->forgotten) arm(watch);
  }

  void forget(curl_socket_t fd) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    auto& watch = *it->second;
    watch.forgotten = true;
    boost::system::error_code ignored;
    watch.descriptor.cancel(ignored);
    watch.descriptor.release();
    watches_.erase(it);
  }

  void set_timer(long timeout_ms) {
    if (stopped_) return;
    timer_.cancel();
    if (timeout_ms < 0) return;
    // Never act from inside this callback (curl forbids it): a zero timeout
    // waits for the timer like any other.
    timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped_) return;
      self->act(CURL_SOCKET_TIMEOUT, 0);
    });
  }

  void act(curl_socket_t fd, int events) {
    int running = 0;
    const CURLMcode rc = curl_multi_socket_action(multi_, fd, events, &running);
    if (rc != CURLM_OK && rc != CURLM_BAD_SOCKET)
      spdlog::error("outbound: curl_multi_socket_action: {}", curl_multi_strerror(rc));
    finish_done();
  }

  void finish_done() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      // The message is gone once the handle leaves the multi.
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      curl_multi_remove_handle(multi_, easy);
      auto it = jobs_.find(easy);
      if (it == jobs_.end()) continue;
      auto job = std::move(it->second);
      jobs_.erase(it);
      job->done(code);
    }
  }

  Strand strand_;
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;
  std::unordered_map<CURL*, std::unique_ptr<CurlJob>> jobs_;
  std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches_;
};

CurlMulti::CurlMulti(asio::any_io_executor io) : core_(std::make_shared<Core>(std::move(io))) {}

CurlMulti::~CurlMulti() {
  stop();
}

void CurlMulti::start(std::unique_ptr<CurlJob> job) {
  asio::dispatch(core_->strand(),
                 [core = core_, job = std::move(job)]() mutable { core->add(std::move(job)); });
}

void CurlMulti::stop() {
  asio::dispatch(core_->strand(), [core = core_] { core->stop(); });
}

const CurlMulti::Strand& CurlMulti::strand() const {
  return core_->strand();
}

}  // namespace crmd::web
