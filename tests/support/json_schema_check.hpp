// A small JSON Schema (2020-12) validator for the contract check of the
// HTTP tests: the subset crmd's declarations use (type, enum, properties,
// required, additionalProperties: false, items, minItems, maxItems,
// minimum, maximum, maxLength, pattern, anyOf, oneOf, allOf, $ref into
// #/components/schemas, and the formats uuid and date-time). The full
// meta-schema validation of the document is python3-jsonschema's (see
// tests/http/openapi_test.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace crmd::test {

// What is wrong with value under schema, one line per fault with its JSON
// pointer; empty when it is valid. root resolves $ref (the whole document).
std::vector<std::string> schema_errors(const boost::json::value& value,
                                       const boost::json::object& schema,
                                       const boost::json::object* root = nullptr);

}  // namespace crmd::test
