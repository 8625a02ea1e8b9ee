#include "storage/pg/conninfo.hpp"

#include <libpq-fe.h>

namespace crmd::pg {

std::string describe_conninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (!options) {
    PQfreemem(error);
    return "(unparsable DATABASE_URL)";
  }
  std::string host = "(default socket)", port = "5432", dbname = "(default)";
  for (auto* o = options; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    const std::string key = o->keyword;
    if (key == "host" || key == "hostaddr")
      host = o->val;
    else if (key == "port")
      port = o->val;
    else if (key == "dbname")
      dbname = o->val;
  }
  PQconninfoFree(options);
  return "database " + dbname + " on " + host + ":" + port;
}

}  // namespace crmd::pg
