// Drive templates (admins; the routes check): audited writes, one active
// template per entity type.
#include "actors/drive.hpp"
#include "storage/audited_write.hpp"

namespace crmd::actors {
namespace asio = boost::asio;

asio::awaitable<drive::Template> DriveService::template_(Uuid id) {
  auto all = co_await repository_.templates();
  for (auto& t : all)
    if (t.id == id) co_return std::move(t);
  throw drive::no_such_template();
}

asio::awaitable<drive::Template> DriveService::create_template(drive::TemplateChanges changes,
                                                               identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  if (changes.active.value_or(true))
    co_await repository_.deactivate_templates(write.tx(), *changes.entity_type, std::nullopt);
  auto created = co_await repository_.insert_template(write.tx(), changes);
  co_await write.commit(
      drive_entry("template_created", created.id, std::nullopt, drive::to_json(created)));
  co_return created;
}

asio::awaitable<drive::Template> DriveService::update_template(Uuid id,
                                                               drive::TemplateChanges changes,
                                                               identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_template(write.tx(), id);
  if (!before) throw drive::no_such_template();
  write.require_version(before->updated_at);
  const auto type = changes.entity_type.value_or(before->entity_type);
  if (changes.active.value_or(before->active))
    co_await repository_.deactivate_templates(write.tx(), type, id);
  auto after = co_await repository_.update_template(write.tx(), id, changes);
  co_await write.commit(
      drive_entry("template_updated", id, drive::to_json(*before), drive::to_json(after)));
  co_return after;
}

asio::awaitable<void> DriveService::delete_template(Uuid id, identity::RequestContext context) {
  auto write = co_await storage::AuditedWrite::begin(pool_, std::move(context));
  auto before = co_await repository_.lock_template(write.tx(), id);
  if (!before) throw drive::no_such_template();
  co_await repository_.delete_template(write.tx(), id);
  co_await write.commit(drive_entry("template_deleted", id, drive::to_json(*before), std::nullopt));
}

}  // namespace crmd::actors
