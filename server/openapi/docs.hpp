// GET /openapi.json (the document of the router, generated from its routes'
// declarations), GET /docs (Swagger UI over it) and GET /docs/{file} (Swagger
// UI's files, as Debian's python3-flasgger ships them).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <string>

#include "server/http/router.hpp"

namespace crmd::openapi {

inline constexpr const char* kDebianDocsAssets =
    "/usr/lib/python3/dist-packages/flasgger/ui3/static";

struct DocsOptions {
  boost::asio::thread_pool& blocking;  // reads the asset files
  // Swagger UI's files (CRMD_DOCS_ASSETS). Missing, /docs says how to
  // install them.
  std::string assets_dir = kDebianDocsAssets;
};

// The document is built at its first request, from every route the router
// has by then: add these routes at any time before the server starts.
void add_docs_routes(http::Router& router, DocsOptions options);

// The strict Content-Security-Policy of /docs and its files.
extern const char* const kDocsContentSecurityPolicy;

}  // namespace crmd::openapi
