// POST /api/v1/contacts/batch/: up to kMaxBatchSize contacts upserted by
// e-mail in one transaction. Each item is validated on its own so that one
// bad item is reported without failing the others.
#pragma once

#include <optional>
#include <vector>

#include "domain/contacts/contact.hpp"

namespace crmd::contacts {

inline constexpr std::size_t kMaxBatchSize = 1000;

struct BatchItem {
  std::size_t index = 0;
  std::optional<ContactChanges> changes;  // none when the item is invalid
  std::vector<FieldError> errors;
};

struct BatchResult {
  std::size_t index = 0;
  std::string status;  // created, updated or error
  std::optional<Uuid> id;
  std::vector<FieldError> errors;
};

// {"results": [...], "created": n, "updated": n, "failed": n}
boost::json::object to_json(const std::vector<BatchResult>& results);
// The schema of to_json(results), and of the batch's body.
schema::Schema json_schema(std::type_identity<std::vector<BatchResult>>);
schema::Schema contact_batch_schema();

// Reads {"contacts": [...]} (or a bare array). Throws Error{validation} for
// any other shape, an empty batch or more than kMaxBatchSize items; item
// problems, including an e-mail repeated within the batch, stay in the item.
std::vector<BatchItem> parse_contact_batch(const boost::json::value& body, bool may_set_owner);

}  // namespace crmd::contacts
