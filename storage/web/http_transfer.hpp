// One HTTP request as a CurlJob: the easy handle set up from an HttpRequest,
// the answer collected into an HttpResponse, and the awaiter resumed on its
// own executor when the transfer ends.
#pragma once

#include <curl/curl.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <exception>
#include <memory>
#include <string>

#include "storage/web/address_guard.hpp"
#include "storage/web/curl_multi.hpp"
#include "storage/web/http_message.hpp"
#include "storage/web/tls_trust.hpp"

namespace crmd::web {

using ResponseSignature = void(std::exception_ptr, HttpResponse);

// A type-erased completion that resumes its caller on the caller's executor.
class ResponseHandler {
 public:
  ResponseHandler() = default;
  template <class Handler>
  ResponseHandler(Handler handler, const boost::asio::any_io_executor& fallback)
      : executor_(boost::asio::get_associated_executor(handler, fallback)),
        impl_(std::make_unique<Impl<Handler>>(std::move(handler))) {}

  void complete(std::exception_ptr error, HttpResponse response) {
    if (!impl_) return;
    boost::asio::post(executor_,
                      [impl = std::move(impl_), error, response = std::move(response)]() mutable {
                        impl->call(error, std::move(response));
                      });
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(std::exception_ptr, HttpResponse) = 0;
  };
  template <class Handler>
  struct Impl final : Base {
    explicit Impl(Handler h) : handler(std::move(h)) {}
    void call(std::exception_ptr e, HttpResponse r) override {
      std::move(handler)(e, std::move(r));
    }
    Handler handler;
  };
  boost::asio::any_io_executor executor_;
  std::unique_ptr<Base> impl_;
};

class HttpTransfer final : public CurlJob {
 public:
  // Throws Error{outbound_failed} for a request curl cannot be set up for
  // (a header with a line break in it, an out-of-memory easy handle).
  HttpTransfer(HttpRequest request, const TlsTrust& trust);
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  void set_handler(ResponseHandler handler) { handler_ = std::move(handler); }

  CURL* easy() const override { return easy_.get(); }
  void done(CURLcode code) override;

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  void append_header(const std::string& line);
  HttpResponse collect_response();

  struct FreeList {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  };
  struct CleanupEasy {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
  };

  HttpRequest request_;
  std::unique_ptr<curl_slist, FreeList> header_list_;  // outlives the handle using it
  std::unique_ptr<CURL, CleanupEasy> easy_;
  AddressGuard guard_;
  std::string body_;
  bool too_large_ = false;
  char error_[CURL_ERROR_SIZE] = {};
  ResponseHandler handler_;
};

}  // namespace crmd::web
