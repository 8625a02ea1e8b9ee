#include "domain/identity/principal.hpp"

#include "domain/identity/scopes.hpp"

namespace crmd::identity {

std::string_view actor_type(const Principal& principal) {
  switch (principal.kind) {
    case Principal::Kind::user:
      return "user";
    case Principal::Kind::external:
      return "external";
    case Principal::Kind::api_key:
      return "api_key";
    case Principal::Kind::system:
      return "system";
  }
  return "anonymous";
}

std::string caller_key(const Principal& principal) {
  return std::string(actor_type(principal)) + ":" + principal.id.str();
}

bool Principal::may(std::string_view scope) const {
  return kind != Kind::api_key || grants(scopes, scope);
}

}  // namespace crmd::identity
