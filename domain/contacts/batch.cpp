#include "domain/contacts/batch.hpp"

#include <boost/json/array.hpp>
#include <map>

#include "domain/common/error.hpp"

namespace crmd::contacts {

std::vector<BatchItem> parse_contact_batch(const boost::json::value& body, bool may_set_owner) {
  const boost::json::array* items = body.if_array();
  if (const auto* object = body.if_object(); object && object->size() == 1)
    if (auto it = object->find("contacts"); it != object->end()) items = it->value().if_array();
  const auto expected =
      "expected {\"contacts\": [...]} with 1 to " + std::to_string(kMaxBatchSize) + " contacts";
  if (!items || items->empty() || items->size() > kMaxBatchSize)
    throw Error(ErrorKind::validation, "validation_error", expected, {{"contacts", expected}});

  std::vector<BatchItem> batch;
  std::map<std::string, std::size_t> first_with_email;
  for (std::size_t i = 0; i < items->size(); ++i) {
    BatchItem item{i, std::nullopt, {}};
    try {
      item.changes = parse_contact((*items)[i], true, may_set_owner);
    } catch (const Error& e) {
      item.errors = e.fields();
    }
    if (item.changes && item.changes->email && *item.changes->email) {
      const auto [it, inserted] = first_with_email.emplace(**item.changes->email, i);
      if (!inserted) {
        item.errors.push_back({"email", "repeats item " + std::to_string(it->second)});
        item.changes.reset();
      }
    }
    batch.push_back(std::move(item));
  }
  return batch;
}

boost::json::object to_json(const std::vector<BatchResult>& results) {
  boost::json::array items;
  std::map<std::string, std::int64_t> totals{{"created", 0}, {"updated", 0}, {"error", 0}};
  for (const auto& r : results) {
    boost::json::array errors;
    for (const auto& e : r.errors)
      errors.push_back(boost::json::object{{"field", e.field}, {"message", e.message}});
    items.push_back(boost::json::object{
        {"index", r.index},
        {"status", r.status},
        {"id", r.id ? boost::json::value(r.id->str()) : boost::json::value(nullptr)},
        {"errors", std::move(errors)}});
    ++totals[r.status];
  }
  return {{"results", std::move(items)},
          {"created", totals["created"]},
          {"updated", totals["updated"]},
          {"failed", totals["error"]}};
}

schema::Schema json_schema(std::type_identity<std::vector<BatchResult>>) {
  using namespace schema;
  const Schema field_error =
      Object("FieldError").field("field", string()).field("message", string());
  return Object("ContactBatchResult")
      .field("results", array(Object()
                                  .field("index", integer(0))
                                  .field("status", one_of_strings({"created", "updated", "error"}))
                                  .field("id", nullable(uuid()))
                                  .field("errors", array(field_error))))
      .field("created", integer(0))
      .field("updated", integer(0))
      .field("failed", integer(0));
}

schema::Schema contact_batch_schema() {
  using namespace schema;
  auto items = array(contact_input_schema(), kMaxBatchSize);
  items["minItems"] = 1;
  const Schema wrapped = Object().field("contacts", items);
  return {{"title", "ContactBatch"},
          {"description",
           "Contacts matched by e-mail: updated when found, created otherwise; an invalid item "
           "is that item's error"},
          {"oneOf", boost::json::array{wrapped, items}}};
}

}  // namespace crmd::contacts
