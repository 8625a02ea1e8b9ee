#include "storage/contacts/contact_method_repository.hpp"

#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using contacts::ContactMethod;
using contacts::ContactMethodChanges;

namespace {

constexpr const char* kColumns =
    "id, contact_id, type, value, label, is_primary, created_at, updated_at";

ContactMethod method_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<Uuid>(1),
          r.get<std::string>(2),
          r.get<std::string>(3),
          r.get<std::optional<std::string>>(4),
          r.get<bool>(5),
          r.get<Timestamp>(6),
          r.get<Timestamp>(7)};
}

Assignments assignments_of(const ContactMethodChanges& c, pg::Params params) {
  Assignments a{{}, {}, std::move(params)};
  a.add("type", c.type);
  a.add("value", c.value);
  a.add("label", c.label);
  a.add("is_primary", c.is_primary);
  return a;
}

}  // namespace

asio::awaitable<std::vector<ContactMethod>> ContactMethodRepository::list(const Uuid& contact_id) {
  const auto result = co_await pool_.read(std::string("SELECT ") + kColumns +
                                               " FROM contact_methods WHERE contact_id = $1 ORDER "
                                               "BY type, is_primary DESC, created_at, id",
                                           contact_id);
  std::vector<ContactMethod> methods;
  for (auto row : result) methods.push_back(method_from(row));
  co_return methods;
}

asio::awaitable<std::optional<ContactMethod>> ContactMethodRepository::find(pg::Transaction& tx,
                                                                            const Uuid& contact_id,
                                                                            const Uuid& id) {
  const auto result = co_await tx.query(
      std::string("SELECT ") + kColumns + " FROM contact_methods WHERE id = $1 AND contact_id = $2",
      id, contact_id);
  if (result.empty()) co_return std::nullopt;
  co_return method_from(result[0]);
}

asio::awaitable<std::int64_t> ContactMethodRepository::count(pg::Transaction& tx,
                                                             const Uuid& contact_id) {
  const auto result =
      co_await tx.query("SELECT count(*) FROM contact_methods WHERE contact_id = $1", contact_id);
  co_return result.one().get<std::int64_t>(0);
}

asio::awaitable<ContactMethod> ContactMethodRepository::insert(
    pg::Transaction& tx, const Uuid& contact_id, const ContactMethodChanges& changes) {
  // The other primary of the type steps down first: the index allows one.
  if (changes.is_primary.value_or(false))
    co_await demote_others(tx, contact_id, changes.type.value_or(""), Uuid{});
  auto a = assignments_of(changes, pg::Params{});
  a.set("contact_id", contact_id);
  const auto result =
      co_await tx.query(a.insert_into("contact_methods") + " RETURNING " + kColumns, a.params);
  co_return method_from(result.one());
}

asio::awaitable<ContactMethod> ContactMethodRepository::update(
    pg::Transaction& tx, const ContactMethod& current, const ContactMethodChanges& changes) {
  const bool primary = changes.is_primary.value_or(current.is_primary);
  const auto type = changes.type.value_or(current.type);
  if (primary) co_await demote_others(tx, current.contact_id, type, current.id);
  const auto a = assignments_of(changes, pg::Params(current.id));
  const auto result =
      co_await tx.query("UPDATE contact_methods SET " + a.set_list("updated_at = now()") +
                            " WHERE id = $1 RETURNING " + kColumns,
                        a.params);
  co_return method_from(result.one());
}

asio::awaitable<void> ContactMethodRepository::remove(pg::Transaction& tx, const Uuid& id) {
  co_await tx.query("DELETE FROM contact_methods WHERE id = $1", id);
}

asio::awaitable<void> ContactMethodRepository::demote_others(pg::Transaction& tx,
                                                             const Uuid& contact_id,
                                                             const std::string& type,
                                                             const Uuid& keep) {
  co_await tx.query(
      "UPDATE contact_methods SET is_primary = false, updated_at = now()"
      " WHERE contact_id = $1 AND type = $2 AND is_primary AND id <> $3",
      contact_id, type, keep);
}

}  // namespace crmd::storage
