// What a connection string points at, fit for a log line: host, port and
// database, never the user's password.
#pragma once

#include <string>

namespace crmd::pg {

std::string describe_conninfo(const std::string& conninfo);

}  // namespace crmd::pg
