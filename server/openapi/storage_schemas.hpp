// The schemas of the to_json() functions that live in storage/ (API keys,
// job errors, audit rows, SLA breaches). They belong next to those
// functions; storage/ is another engineer's, so they are declared here,
// once each, until they move there.
#pragma once

#include "domain/common/json_schema.hpp"

namespace crmd::openapi {

schema::Schema api_key_schema(bool with_secret = false);
schema::Schema job_error_schema();
schema::Schema audit_row_schema();
schema::Schema sla_breach_schema();

}  // namespace crmd::openapi
