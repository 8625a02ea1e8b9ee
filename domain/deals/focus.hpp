// The "today" dashboard's focus list: what needs the caller, most urgent
// first, each item with why it is there.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "domain/common/json_schema.hpp"

namespace crmd::deals {

struct FocusReason {
  std::string rule;  // overdue, stuck, rotten, sla_breached
  std::string detail;
  // Days past the rule's line: what ranks the items.
  double days_past = 0;
};

struct FocusItem {
  std::string kind;  // deal or lead
  std::string id;
  std::string title;
  std::vector<FocusReason> reasons;
  boost::json::object subject;  // the deal or lead as its GET shows it
};

// Items of the same record merged (their reasons joined), ordered by
// urgency: the sum of their days past, most first, then by id.
std::vector<FocusItem> rank_focus(std::vector<FocusItem> items);
double urgency_of(const FocusItem& item);

boost::json::object to_json(const FocusItem& item);
schema::Schema json_schema(std::type_identity<FocusItem>);

}  // namespace crmd::deals
