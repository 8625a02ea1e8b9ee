// The libcurl multi interface driven by Asio: curl tells which sockets it
// waits on (CURLMOPT_SOCKETFUNCTION) and when to wake it
// (CURLMOPT_TIMERFUNCTION); readiness and the timer call
// curl_multi_socket_action. Every curl call for the multi handle, and every
// job's done(), runs on one strand. Connections stay in the multi handle's
// cache between transfers (keep-alive, HTTP/2 multiplexing).
//
// Protocol-neutral: HTTP transfers and, later, SMTP ones are CurlJobs.
#pragma once

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <memory>

namespace crmd::web {

// One easy handle and what to do when its transfer ends.
class CurlJob {
 public:
  virtual ~CurlJob() = default;
  virtual CURL* easy() const = 0;
  // On the strand, after the handle left the multi. CURLE_ABORTED_BY_CALLBACK
  // when the driver stopped before the transfer ended.
  virtual void done(CURLcode code) = 0;
};

class CurlMulti {
 public:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  explicit CurlMulti(boost::asio::any_io_executor io);
  // Stops; the state lives on until the handlers that hold it have run (or
  // were destroyed with the io_context), so this never waits.
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // From any thread. The driver owns the job until done() returned; after
  // stop() the job is done at once with CURLE_ABORTED_BY_CALLBACK.
  void start(std::unique_ptr<CurlJob> job);
  // From any thread: removes every transfer (done() with
  // CURLE_ABORTED_BY_CALLBACK) and refuses new ones.
  void stop();

  const Strand& strand() const;

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace crmd::web
