// Route registration, one function per domain. Handlers stay thin: parse,
// call the domain's actor, answer.
#pragma once

#include <atomic>

#include "server/http/router.hpp"
#include "server/metrics.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::server::routes {

struct OpsContext {
  pg::Pool& pool;
  const std::atomic<bool>& migrated;
  const Metrics& metrics;
};

// GET /health, /ready and /metrics.
void add_ops_routes(http::Router& router, OpsContext context);

}  // namespace crmd::server::routes
