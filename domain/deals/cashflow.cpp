#include "domain/deals/cashflow.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <map>

#include "domain/common/date.hpp"
#include "domain/deals/money.hpp"

namespace crmd::deals {
namespace {

using std::chrono::sys_days;

constexpr std::string_view kSlipped = "slipped", kLater = "later", kNoDate = "no_date";

// The index of a group's bucket in its currency's row: 0 slipped, 1..months
// the months of the horizon, months + 1 later, months + 2 no date.
std::size_t bucket_index(const CashflowGroup& g, sys_days this_month, int months) {
  if (g.slipped) return 0;
  if (!g.expected_close) return static_cast<std::size_t>(months) + 2;
  const sys_days month = first_of_month(*g.expected_close);
  // A month before this one is before today, whatever the flag says.
  if (month < this_month) return 0;
  for (int i = 0; i < months; ++i)
    if (month == add_months(this_month, i)) return static_cast<std::size_t>(i) + 1;
  return static_cast<std::size_t>(months) + 1;
}

std::vector<CashflowBucket> empty_row(const std::string& currency, sys_days this_month,
                                      int months) {
  std::vector<CashflowBucket> row;
  row.reserve(static_cast<std::size_t>(months) + 3);
  row.push_back({std::string(kSlipped), currency});
  for (int i = 0; i < months; ++i)
    row.push_back({format_month(add_months(this_month, i)), currency});
  row.push_back({std::string(kLater), currency});
  row.push_back({std::string(kNoDate), currency});
  return row;
}

void add(CashflowBucket& to, const CashflowBucket& from) {
  to.deals += from.deals;
  to.best_case += from.best_case;
  to.weighted += from.weighted;
  to.commit += from.commit;
}

boost::json::object bucket_json(const CashflowBucket& b) {
  return {{"key", b.key},
          {"currency", b.currency},
          {"deals", b.deals},
          {"best_case", format_money(b.best_case)},
          {"weighted", format_money(b.weighted)},
          {"commit", format_money(b.commit)}};
}

boost::json::array buckets_json(const std::vector<CashflowBucket>& buckets) {
  boost::json::array out;
  out.reserve(buckets.size());
  for (const auto& b : buckets) out.emplace_back(bucket_json(b));
  return out;
}

}  // namespace

CashflowProjection project_cashflow(const std::vector<CashflowGroup>& groups, sys_days today,
                                    int months, int commit_probability) {
  months = std::clamp(months, 0, kMaxCashflowMonths);
  const sys_days this_month = first_of_month(today);
  std::map<std::string, std::vector<CashflowBucket>> rows;
  for (const auto& g : groups) {
    auto row = rows.find(g.currency);
    if (row == rows.end())
      row = rows.emplace(g.currency, empty_row(g.currency, this_month, months)).first;
    auto& bucket = row->second[bucket_index(g, this_month, months)];
    bucket.deals += g.deals;
    bucket.best_case += g.value_cents;
    // Every deal of a group has its probability, so the group's sum is
    // weighted once (rounding once, as one would by hand).
    bucket.weighted += weighted_cents(g.value_cents, g.probability);
    if (g.probability >= commit_probability) bucket.commit += g.value_cents;
  }
  CashflowProjection p{today, months, commit_probability, {}, {}};
  for (auto& [currency, row] : rows) {
    CashflowBucket total{"total", currency};
    for (auto& bucket : row) {
      add(total, bucket);
      p.buckets.push_back(std::move(bucket));
    }
    p.totals.push_back(std::move(total));
  }
  return p;
}

boost::json::object to_json(const CashflowProjection& p) {
  return {{"today", format_date(p.today)},
          {"months", p.months},
          {"commit_probability", p.commit_probability},
          {"buckets", buckets_json(p.buckets)},
          {"totals", buckets_json(p.totals)}};
}

schema::Schema json_schema(std::type_identity<CashflowProjection>) {
  using namespace schema;
  const Schema bucket =
      Object("CashflowBucket")
          .field("key", string(16), "slipped, YYYY-MM, later, no_date; total in totals")
          .field("currency", string(3), "ISO 4217")
          .field("deals", integer(0))
          .field("best_case", money_schema(), "the value of every deal")
          .field("weighted", money_schema(), "each value times its probability")
          .field("commit", money_schema(), "the value of deals at commit_probability or above");
  Schema date = string();
  date["format"] = "date";
  return Object("CashflowProjection")
      .field("today", date)
      .field("months", integer(0, kMaxCashflowMonths))
      .field("commit_probability", integer())
      .field("buckets", array(bucket),
             "per currency: slipped, each month from today's, later, no_date")
      .field("totals", array(bucket), "one per currency");
}

}  // namespace crmd::deals
