#include "server/openapi/storage_schemas.hpp"

#include "domain/leads/lead.hpp"

namespace crmd::openapi {
using namespace schema;

Schema api_key_schema(bool with_secret) {
  Object o(with_secret ? "NewApiKey" : "ApiKey");
  o.field("id", uuid())
      .field("name", string())
      .field("prefix", string(), "the key's public part: crmd_<prefix>_…")
      .field("scopes", array(string()))
      .field("created_by", nullable(uuid()))
      .field("created_at", timestamp())
      .field("last_used_at", nullable(timestamp()))
      .field("revoked_at", nullable(timestamp()));
  if (with_secret) o.field("key", string(), "the whole key, shown this once");
  return o;
}

Schema job_error_schema() {
  return Object("JobError")
      .field("row", nullable(integer(0)), "the CSV row (1 is the first after the header)")
      .field("field", string())
      .field("code", string())
      .field("message", string())
      .field("raw", string());
}

Schema audit_row_schema() {
  return Object("AuditRow")
      .field("id", integer())
      .field("actor_id", nullable(uuid()))
      .field("actor_type", string())
      .field("actor_label", nullable(string()))
      .field("action", string())
      .field("entity_type", string())
      .field("entity_id", nullable(string()))
      .field("before", any())
      .field("after", any())
      .field("request_id", nullable(string()))
      .field("at", timestamp());
}

Schema sla_breach_schema() {
  auto s = schema_of<leads::Lead>();
  s["title"] = "SlaBreach";
  auto& properties = s["properties"].as_object();
  properties["sla_days"] = integer(1);
  properties["days_without_interaction"] = number();
  s["required"].as_array().emplace_back("sla_days");
  s["required"].as_array().emplace_back("days_without_interaction");
  return s;
}

}  // namespace crmd::openapi
