#include "storage/pg/params.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>

namespace crmd::pg {

void Params::add(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  push(std::string(buf, end), oid::float8);
}

void Params::add(const boost::json::value& v) {
  push(boost::json::serialize(v), oid::jsonb);
}

std::string Params::array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace crmd::pg
