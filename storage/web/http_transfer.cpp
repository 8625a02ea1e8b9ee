#include "storage/web/http_transfer.hpp"

#include <algorithm>
#include <cctype>

#include "storage/web/outbound_errors.hpp"

namespace crmd::web {

namespace {

Error setup_error(const std::string& detail) {
  return Error(ErrorKind::internal, std::string(errc::failed), detail);
}

bool has_line_break(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool names_header(const std::vector<Header>& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return lower(h.first) == lower_name; });
}

}  // namespace

HttpTransfer::HttpTransfer(HttpRequest request, const TlsTrust& trust)
    : request_(std::move(request)) {
  easy_.reset(curl_easy_init());
  if (!easy_) throw setup_error("curl_easy_init failed");
  guard_.allow = request_.allow_address;

  CURL* e = easy_.get();
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(e, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // Removing a transfer whose name is still being resolved would otherwise
  // wait for the resolver thread: with this, curl leaves the thread behind.
  curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, long{CURL_HTTP_VERSION_2TLS});
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request_.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request_.timeout.count()));
  // Refused up front when the Content-Length says so; on_body stops the rest.
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request_.max_response_bytes));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpTransfer::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // the limit counts decoded bytes
  curl_easy_setopt(e, CURLOPT_USERAGENT, "crmd");
  if (request_.follow_redirects) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  }

  if (request_.method == "GET" && request_.body.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (request_.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
    if (request_.method != "POST")
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request_.method.c_str());
  }

  for (const auto& [name, value] : request_.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value))
      throw setup_error("a header name or value holds a line break: " + name);
    // "Name;" is curl's spelling of a header with an empty value.
    append_header(value.empty() ? name + ";" : name + ": " + value);
  }
  // curl would wait up to a second for a 100 Continue that few servers
  // send; "Expect:" (no value) tells curl to send no Expect at all.
  if (!names_header(request_.headers, "expect")) append_header("Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_.get());

  trust.apply(e);
  guard_addresses(e, guard_);
}

void HttpTransfer::append_header(const std::string& line) {
  curl_slist* extended = curl_slist_append(header_list_.get(), line.c_str());
  if (!extended) throw setup_error("out of memory building the headers");
  (void)header_list_.release();  // now the head of extended
  header_list_.reset(extended);
}

std::size_t HttpTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto& transfer = *static_cast<HttpTransfer*>(self);
  const std::size_t n = size * count;
  if (transfer.body_.size() + n > transfer.request_.max_response_bytes) {
    transfer.too_large_ = true;
    return 0;  // fails the transfer (CURLE_WRITE_ERROR)
  }
  transfer.body_.append(data, n);
  return n;
}

HttpResponse HttpTransfer::collect_response() {
  HttpResponse response;
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<unsigned>(status);
  // The headers of the last response (after redirects), as curl parsed them.
  curl_header* previous = nullptr;
  while (curl_header* h = curl_easy_nextheader(easy_.get(), CURLH_HEADER, -1, previous)) {
    response.headers.emplace_back(lower(h->name), h->value);
    previous = h;
  }
  response.body = std::move(body_);
  return response;
}

void HttpTransfer::done(CURLcode code) {
  if (code == CURLE_OK) return handler_.complete(nullptr, collect_response());
  const std::string detail = error_[0] ? std::string(error_) : curl_easy_strerror(code);
  const TransferFlags flags{too_large_, guard_.refused};
  handler_.complete(std::make_exception_ptr(transfer_error(code, flags, detail)), HttpResponse{});
}

}  // namespace crmd::web
