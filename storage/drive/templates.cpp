#include "domain/common/error.hpp"
#include "storage/drive/repository.hpp"
#include "storage/drive/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using drive::Template;

namespace {

constexpr const char* kTemplateColumns =
    "id, name, entity_type, active, nodes, created_at, updated_at";

Template template_from(const pg::Row& r) {
  return {r.get<Uuid>(0),
          r.get<std::string>(1),
          drive_rows::entity_type_at(r, 2),
          r.get<bool>(3),
          drive::nodes_from_json(r.get<boost::json::value>(4)),
          r.get<Timestamp>(5),
          r.get<Timestamp>(6)};
}

std::optional<Template> maybe_template(const pg::Result& result) {
  if (result.empty()) return std::nullopt;
  return template_from(result.one());
}

void map_template_error(const pg::Error& e) {
  if (e.sqlstate() == "23505")
    throw Error(ErrorKind::conflict, "template_name_taken", "a template of that name exists",
                {{"name", "taken"}});
  throw e;
}

}  // namespace

asio::awaitable<std::vector<Template>> DriveRepository::templates() {
  const auto result = co_await pool_.read(std::string("SELECT ") + kTemplateColumns +
                                           " FROM drive_templates ORDER BY entity_type, name");
  std::vector<Template> out;
  for (auto r : result) out.push_back(template_from(r));
  co_return out;
}

asio::awaitable<std::optional<Template>> DriveRepository::active_template(drive::EntityType type) {
  co_return maybe_template(
      co_await pool_.read(std::string("SELECT ") + kTemplateColumns +
                               " FROM drive_templates WHERE entity_type = $1 AND active",
                           std::string(to_string(type))));
}

asio::awaitable<std::optional<Template>> DriveRepository::lock_template(pg::Transaction& tx,
                                                                        Uuid id) {
  co_return maybe_template(co_await tx.query(
      std::string("SELECT ") + kTemplateColumns + " FROM drive_templates WHERE id = $1 FOR UPDATE",
      id));
}

asio::awaitable<Template> DriveRepository::insert_template(pg::Transaction& tx,
                                                           const drive::TemplateChanges& c) {
  const auto type = std::string(to_string(*c.entity_type));
  const bool active = c.active.value_or(true);
  pg::Params params;
  params.add(*c.name);
  params.add(type);
  params.add(active);
  params.add(boost::json::value(drive::nodes_to_json(*c.nodes)));
  const auto result = co_await query_or_map(
      tx,
      std::string("INSERT INTO drive_templates (name, entity_type, active, nodes)"
                  " VALUES ($1, $2, $3, $4) RETURNING ") +
          kTemplateColumns,
      std::move(params), map_template_error);
  co_return template_from(result.one());
}

asio::awaitable<Template> DriveRepository::update_template(pg::Transaction& tx, Uuid id,
                                                           const drive::TemplateChanges& c) {
  Assignments set;
  set.add("name", c.name);
  if (c.entity_type) set.set("entity_type", std::string(to_string(*c.entity_type)));
  set.add("active", c.active);
  if (c.nodes) set.set("nodes", boost::json::value(drive::nodes_to_json(*c.nodes)), "::jsonb");
  set.params.add(id);
  const auto result = co_await query_or_map(
      tx,
      "UPDATE drive_templates SET " + set.set_list("updated_at = now()") + " WHERE id = $" +
          std::to_string(set.params.size()) + " RETURNING " + kTemplateColumns,
      set.params, map_template_error);
  co_return template_from(result.one());
}

asio::awaitable<void> DriveRepository::deactivate_templates(pg::Transaction& tx,
                                                            drive::EntityType type,
                                                            const std::optional<Uuid>& keep) {
  co_await tx.query(
      "UPDATE drive_templates SET active = false, updated_at = now()"
      " WHERE entity_type = $1 AND active AND id IS DISTINCT FROM $2",
      std::string(to_string(type)), keep);
}

asio::awaitable<void> DriveRepository::delete_template(pg::Transaction& tx, Uuid id) {
  co_await tx.query("DELETE FROM drive_templates WHERE id = $1", id);
}

}  // namespace crmd::storage
