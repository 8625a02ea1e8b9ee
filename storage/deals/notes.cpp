// Notes on deals, leads, contacts and companies.
#include "domain/deals/note_text.hpp"
#include "storage/deals/repository.hpp"
#include "storage/deals/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using deals::Note;

asio::awaitable<Note> DealRepository::insert_note(pg::Transaction& tx, const std::string& type,
                                                  const Uuid& entity, const std::string& content,
                                                  const std::optional<Uuid>& author) {
  const auto result = co_await tx.query(
      std::string("INSERT INTO notes AS n (entity_type, entity_id, content, content_text,"
                  " author_id) VALUES ($1, $2, $3, $4, $5) RETURNING ") +
          kNoteColumns,
      pg::Params(type, entity, content, deals::note_text(content), author));
  // A note on a crmd deal is a touch of it, as in Pipedrive: its rot timer
  // starts again.
  if (type == "deal")
    co_await tx.query("UPDATE deals SET update_time = now() WHERE id = $1 AND pipedrive_id IS NULL",
                      pg::Params(entity));
  co_return note_from(result.one());
}

asio::awaitable<std::vector<Listed<Note>>> DealRepository::notes(
    const std::string& type, const Uuid& entity, std::size_t limit,
    const std::optional<PagePosition>& from) {
  pg::Params params;
  const std::string where = "n.entity_type = " + placeholder(params, type) +
                            " AND n.entity_id = " + placeholder(params, entity) +
                            " AND n.deleted_at IS NULL";
  KeysetQuery keyset{kNoteColumns, "notes n", where};
  keyset.sort = "n.created_at";
  keyset.sort_type = SortKeyType::timestamp;
  keyset.id = "n.id";
  keyset.descending = true;
  auto sql = keyset.sql(from, limit, params);
  const auto result = co_await pool_.read_page(std::move(sql), std::move(params));
  std::vector<Listed<Note>> out;
  for (auto r : result) out.push_back({note_from(r), r.get<std::string>(9)});
  reorder(out, from);
  co_return out;
}

asio::awaitable<bool> DealRepository::note_target_visible(const std::string& type,
                                                          const Uuid& entity,
                                                          const std::optional<Uuid>& visible_to) {
  std::string sql;
  if (type == "deal")
    sql =
        "SELECT 1 FROM deals WHERE id = $1 AND deleted_at IS NULL"
        " AND ($2::uuid IS NULL OR owner_id = $2)";
  else if (type == "lead")
    sql =
        "SELECT 1 FROM leads WHERE id = $1 AND deleted_at IS NULL"
        " AND ($2::uuid IS NULL OR owner_user_id = $2)";
  else  // contacts and companies are everyone's ($2 typed all the same)
    sql = "SELECT 1 FROM " + std::string(type == "contact" ? "contacts" : "companies") +
          " WHERE id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR TRUE)";
  const auto result = co_await pool_.read(std::move(sql), pg::Params(entity, visible_to));
  co_return !result.empty();
}

}  // namespace crmd::storage
