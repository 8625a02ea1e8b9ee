#include "domain/common/json_of.hpp"

#include <boost/json/array.hpp>

namespace crmd {

boost::json::value json_of(std::string_view text, const boost::json::storage_ptr& storage) {
  return boost::json::value(boost::json::string_view(text.data(), text.size()), storage);
}

boost::json::value json_of(const Uuid& id, const boost::json::storage_ptr& storage) {
  char text[Uuid::kTextSize];
  id.write(text);
  return json_of(std::string_view(text, sizeof text), storage);
}

boost::json::value json_of(Timestamp t, const boost::json::storage_ptr& storage) {
  char text[kRfc3339MaxSize];
  return json_of(std::string_view(text, write_rfc3339(t, text)), storage);
}

boost::json::value json_of(const std::vector<std::string>& texts,
                           const boost::json::storage_ptr& storage) {
  boost::json::array array(storage);
  array.reserve(texts.size());
  for (const auto& text : texts) array.emplace_back(json_of(text, storage));
  return array;
}

}  // namespace crmd
