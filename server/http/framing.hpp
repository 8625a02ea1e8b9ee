// Request framing checks against request smuggling: a message whose length
// two parties could read differently is refused (400) and its connection
// closed.
#pragma once

#include <optional>
#include <string>

#include "server/http/request.hpp"

namespace crmd::http {

// nullopt when the framing headers are unambiguous; otherwise why not.
std::optional<std::string> framing_problem(const Message& message);

}  // namespace crmd::http
