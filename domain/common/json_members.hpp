// A record's JSON members listed once, as a function that calls
// member(name, value) for each in order, give both of its forms: the
// boost::json tree (for the audit log and events) and the text of an answer.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "domain/common/json_of.hpp"
#include "domain/common/json_text.hpp"

namespace crmd {

template <class T, class Members>
boost::json::object tree_of_members(const T& record, const Members& members,
                                    const boost::json::storage_ptr& sp) {
  boost::json::object tree(sp);
  members(record,
          [&](std::string_view name, const auto& v) { tree.emplace(name, json_of(v, sp)); });
  return tree;
}

template <class T, class Members>
void write_members(JsonText& out, const T& record, const Members& members) {
  out.begin_object();
  members(record, [&](std::string_view name, const auto& v) { out.member(name, v); });
  out.end_object();
}

}  // namespace crmd
