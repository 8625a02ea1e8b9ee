// What a handler sees of a request, and the response type it returns.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/common/query_params.hpp"
#include "domain/identity/principal.hpp"
#include "server/http/body_source.hpp"
#include "server/http/upload.hpp"

namespace crmd::http {

namespace beast_http = boost::beast::http;
using crmd::QueryParams;
using Message = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

struct Route;

struct Request {
  Message message;
  boost::urls::url_view url;  // the parsed target; views into message
  std::string request_id;
  std::string remote_address;
  bool secure = false;  // arrived over TLS
  // Where links in answers start: CRMD_PUBLIC_URL, a trusted proxy's
  // X-Forwarded-Proto/-Host, or the listen address; never the Host header.
  std::shared_ptr<const std::string> base_url;
  const Route* route = nullptr;
  std::vector<std::pair<std::string_view, std::string>> path_params;
  std::optional<identity::Principal> principal;  // set by the access check
  std::shared_ptr<BodySource> streamed_body;     // set by a handler: see body_source.hpp
  std::shared_ptr<Upload> upload;                // the body, on an upload route
  pg::Transaction* transaction = nullptr;        // see identity::RequestContext

  beast_http::verb method() const { return message.method(); }
  // The decoded value of a {name} segment of the route's template.
  const std::string& path_param(std::string_view name) const;
  // A {name} segment that must be a UUID; anything else names no `what`
  // (404, exactly as an unknown id).
  Uuid path_uuid(std::string_view name, std::string_view what) const;
  QueryParams query() const { return QueryParams(url); }
  // What an audited change records about this request.
  identity::RequestContext context() const {
    return {request_id, remote_address, principal, transaction,
            std::string(message[beast_http::field::if_match])};
  }
};

}  // namespace crmd::http
