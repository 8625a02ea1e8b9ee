// The JSON value of each field type of the domain, or null for an empty
// optional: the one way the to_json() functions write a field. Every value is
// allocated from `storage`, the answer's own: a list answer builds its whole
// tree in one arena (see http::KeysetPage::respond), so a value written with
// another storage would be copied into it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/time.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {

boost::json::value json_of(std::string_view text, const boost::json::storage_ptr& storage = {});
boost::json::value json_of(const Uuid& id, const boost::json::storage_ptr& storage = {});
boost::json::value json_of(Timestamp t, const boost::json::storage_ptr& storage = {});
boost::json::value json_of(const std::vector<std::string>& texts,
                           const boost::json::storage_ptr& storage = {});
inline boost::json::value json_of(const boost::json::object& o,
                                  const boost::json::storage_ptr& storage = {}) {
  return boost::json::value(o, storage);
}
inline boost::json::value json_of(std::int64_t n, const boost::json::storage_ptr& storage = {}) {
  return boost::json::value(n, storage);
}

template <class T>
boost::json::value json_of(const std::optional<T>& v,
                           const boost::json::storage_ptr& storage = {}) {
  return v ? json_of(*v, storage) : boost::json::value(nullptr, storage);
}

}  // namespace crmd
