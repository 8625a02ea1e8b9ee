// Each owner's pipeline KPIs over a period: open pipeline, won and lost
// deals per currency, win rate, average days to close and the count of
// rotten, stuck and overdue deals.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"

namespace crmd::deals {

// What the database gives, one row per owner × currency.
struct OwnerKpiRow {
  std::optional<std::string> owner_id;  // uuid text, none: no owner
  std::string currency;
  std::int64_t open_deals = 0, open_value = 0, open_weighted = 0;
  std::int64_t won_deals = 0, won_value = 0, lost_deals = 0, lost_value = 0;
  double won_days_total = 0;  // Σ (won_time − add_time) in days over the won deals
  std::int64_t rotten = 0, stuck = 0, overdue = 0;
};

// Money of one currency (cents).
struct CurrencyKpis {
  std::string currency;
  std::int64_t open_deals = 0, open_value = 0, open_weighted = 0;
  std::int64_t won_deals = 0, won_value = 0, lost_deals = 0, lost_value = 0;
};

struct OwnerKpis {
  std::optional<std::string> owner_id;
  std::string owner_name;
  std::vector<CurrencyKpis> currencies;  // alphabetical
  // Counts across currencies; money never is.
  std::int64_t open_deals = 0, won_deals = 0, lost_deals = 0;
  std::optional<double> win_rate;               // won / (won + lost); none when neither
  std::optional<double> average_days_to_close;  // over won deals; none without any
  std::int64_t rotten = 0, stuck = 0, overdue = 0;
};

inline constexpr std::string_view kUnassignedName = "Unassigned";

// One per owner, by name (case-insensitively, then exactly), then id; the
// deals of no owner last. name_of names an owner id (none included); an
// empty name for none becomes kUnassignedName.
std::vector<OwnerKpis> owner_kpis(
    const std::vector<OwnerKpiRow>& rows,
    const std::function<std::string(const std::optional<std::string>&)>& name_of);

boost::json::object to_json(const OwnerKpis& kpis);
schema::Schema json_schema(std::type_identity<OwnerKpis>);

}  // namespace crmd::deals
