// The cashflow projection of open deals: per currency, what is expected to
// close each month of a horizon, best case (every deal), weighted (by its
// probability) and commit (deals likely enough). Currencies are never added
// together.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"

namespace crmd::deals {

// Open deals pre-aggregated by the database.
struct CashflowGroup {
  std::string currency;
  std::optional<std::chrono::sys_days> expected_close;  // first of the close month, or none
  bool slipped = false;                                 // the close date is before today
  int probability = 100;                                // effective, already resolved
  std::int64_t value_cents = 0;                         // Σ value; a deal without one counts 0
  std::int64_t deals = 0;
};

struct CashflowBucket {
  std::string key;  // "slipped", "YYYY-MM", "later", "no_date" ("total" in totals)
  std::string currency;
  std::int64_t deals = 0, best_case = 0, weighted = 0, commit = 0;  // cents
};

struct CashflowProjection {
  std::chrono::sys_days today;
  int months = 0;
  int commit_probability = 0;
  // Per currency (alphabetical): slipped, every month of the horizon from
  // today's (empty ones with zeros, so a client can chart them), later,
  // no_date; each currency that has a deal gets all of them.
  std::vector<CashflowBucket> buckets;
  std::vector<CashflowBucket> totals;  // one per currency
};

inline constexpr int kMaxCashflowMonths = 60;

// months is clamped to 0..kMaxCashflowMonths. Commit counts the groups whose
// probability is at least commit_probability.
CashflowProjection project_cashflow(const std::vector<CashflowGroup>& groups,
                                    std::chrono::sys_days today, int months,
                                    int commit_probability);

boost::json::object to_json(const CashflowProjection& projection);
schema::Schema json_schema(std::type_identity<CashflowProjection>);

}  // namespace crmd::deals
