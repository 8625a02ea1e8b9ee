#include <set>

#include "domain/common/error.hpp"
#include "storage/leads/repository.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

namespace {

constexpr const char* kTagColumns = "id, name::text, color, created_at";

leads::Tag tag_from(const pg::Row& r) {
  return {r.get<Uuid>(0), r.get<std::string>(1), r.get<std::optional<std::string>>(2),
          r.get<Timestamp>(3)};
}

}  // namespace

// ---- tags

asio::awaitable<std::vector<leads::Tag>> LeadRepository::tags() {
  const auto result =
      co_await run(std::string("SELECT ") + kTagColumns + " FROM tags ORDER BY name", pg::Params{});
  std::vector<leads::Tag> tags;
  for (auto row : result) tags.push_back(tag_from(row));
  co_return tags;
}

asio::awaitable<std::optional<leads::Tag>> LeadRepository::find_tag(pg::Transaction& tx,
                                                                    const Uuid& id, TagLock lock) {
  const char* mode = lock == TagLock::remove   ? " FOR UPDATE"
                     : lock == TagLock::update ? " FOR NO KEY UPDATE"
                                               : " FOR KEY SHARE";
  const auto result = co_await run(
      tx, std::string("SELECT ") + kTagColumns + " FROM tags WHERE id = $1" + mode, pg::Params(id));
  if (result.empty()) co_return std::nullopt;
  co_return tag_from(result[0]);
}

namespace {
[[noreturn]] void rethrow_tag_error(const pg::Error& e) {
  if (e.is_unique_violation())
    throw Error(ErrorKind::conflict, "tag_exists", "a tag with this name exists",
                {{"name", "already used"}});
  throw e;
}
}  // namespace

asio::awaitable<leads::Tag> LeadRepository::insert_tag(pg::Transaction& tx,
                                                       const leads::TagChanges& changes) {
  Assignments a;
  a.add("name", changes.name);
  a.add("color", changes.color);
  auto result = co_await run(tx, a.insert_into("tags") + " RETURNING " + std::string(kTagColumns),
                             a.params, rethrow_tag_error);
  co_return tag_from(result.one());
}

asio::awaitable<leads::Tag> LeadRepository::update_tag(pg::Transaction& tx, const Uuid& id,
                                                       const leads::TagChanges& changes) {
  Assignments a{{}, {}, pg::Params(id)};
  a.add("name", changes.name);
  a.add("color", changes.color);
  auto result = co_await run(tx,
                             "UPDATE tags SET " + a.set_list("updated_at = now()") +
                                 " WHERE id = $1 RETURNING " + std::string(kTagColumns),
                             a.params, rethrow_tag_error);
  co_return tag_from(result.one());
}

asio::awaitable<void> LeadRepository::delete_tag(pg::Transaction& tx, const Uuid& id) {
  co_await run(tx, "DELETE FROM tags WHERE id = $1", pg::Params(id));
}

asio::awaitable<std::vector<Uuid>> LeadRepository::resolve_tags(pg::Transaction& tx,
                                                                const leads::TagSet& set,
                                                                bool may_create) {
  std::vector<Uuid> ids;
  if (!set.names.empty()) {
    if (may_create)
      co_await run(tx,
                   "INSERT INTO tags (name) SELECT DISTINCT btrim(n) FROM unnest($1::text[]) AS n"
                   " WHERE btrim(n) <> '' ON CONFLICT (name) DO NOTHING",
                   pg::Params(set.names));
    const auto result = co_await run(
        tx,
        "SELECT t.id, n FROM unnest($1::text[]) AS n LEFT JOIN tags t ON t.name = btrim(n)::citext",
        pg::Params(set.names));
    std::vector<std::string> missing;
    for (auto row : result) {
      if (row.is_null(0))
        missing.push_back(row.get<std::string>(1));
      else
        ids.push_back(row.get<Uuid>(0));
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& name : missing) names += (names.empty() ? "" : ", ") + name;
      throw Error(ErrorKind::validation, "unknown_tag",
                  "only managers and admins create tags; unknown: " + names,
                  {{"tags", "no such tag: " + names}});
    }
  }
  if (!set.ids.empty()) {
    const auto result =
        co_await run(tx, "SELECT id FROM tags WHERE id = ANY($1::uuid[])", pg::Params(set.ids));
    if (static_cast<std::size_t>(result.rows()) <
        std::set<Uuid>(set.ids.begin(), set.ids.end()).size())
      throw Error(ErrorKind::validation, "validation_error", "unknown tag",
                  {{"tag_ids", "no such tag"}});
    for (auto row : result) ids.push_back(row.get<Uuid>(0));
  }
  co_return ids;
}

asio::awaitable<void> LeadRepository::set_lead_tags(pg::Transaction& tx, const Uuid& lead,
                                                    const std::vector<Uuid>& tags) {
  co_await run(tx, "DELETE FROM lead_tags WHERE lead_id = $1 AND NOT (tag_id = ANY($2::uuid[]))",
               pg::Params(lead, tags));
  co_await run(tx,
               "INSERT INTO lead_tags (lead_id, tag_id) SELECT $1, t FROM unnest($2::uuid[]) AS t"
               " ON CONFLICT DO NOTHING",
               pg::Params(lead, tags));
}

asio::awaitable<void> LeadRepository::add_lead_tag(pg::Transaction& tx, const Uuid& lead,
                                                   const Uuid& tag) {
  co_await run(tx, "INSERT INTO lead_tags (lead_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               pg::Params(lead, tag));
}

asio::awaitable<bool> LeadRepository::remove_lead_tag(pg::Transaction& tx, const Uuid& lead,
                                                      const Uuid& tag) {
  const auto result = co_await run(tx, "DELETE FROM lead_tags WHERE lead_id = $1 AND tag_id = $2",
                                   pg::Params(lead, tag));
  co_return result.affected() > 0;
}

}  // namespace crmd::storage
