#include "domain/identity/principal.hpp"

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

}  // namespace crmd::identity
