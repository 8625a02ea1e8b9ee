// Listings and search: folders and files in one keyset-paged list, folders
// first, then by name. The sort key is "0<name>" for a folder and "1<name>"
// for a file (lower-cased), the id breaks ties.
#include "domain/common/error.hpp"
#include "storage/drive/repository.hpp"
#include "storage/drive/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using drive::Entry;
using namespace drive_rows;

namespace {

constexpr const char* kEntryColumns =
    "kind, id, parent_id, entity_type, entity_id, name, mime_type, size, created_at, updated_at,"
    " deleted_at, deleted_by, delete_reason, sort_key";

std::string entries(const std::string& folder_where, const std::string& file_where) {
  return "(SELECT 'folder' AS kind, id, parent_id, entity_type, entity_id, name,"
         " NULL::text AS mime_type, NULL::bigint AS size, created_at, updated_at, deleted_at,"
         " deleted_by, delete_reason, '0' || lower(name) AS sort_key FROM drive_folders WHERE " +
         folder_where +
         " UNION ALL SELECT 'file', id, folder_id, entity_type, entity_id, name, mime_type, size,"
         " created_at, updated_at, deleted_at, deleted_by, delete_reason, '1' || lower(name)"
         " FROM drive_files WHERE " +
         file_where + ") e";
}

// A page of entries (from: the cursor's position).
std::string page_sql(const std::string& table, const std::optional<PagePosition>& from,
                     std::size_t limit, pg::Params& params) {
  const bool backward = from && from->backward;
  std::string where = "TRUE";
  if (from)
    where = "(e.sort_key, e.id) " + std::string(backward ? "<" : ">") + " (" +
            placeholder(params, from->sort_key) + "::text, " + placeholder(params, from->id) + ")";
  const char* direction = backward ? " DESC" : " ASC";
  return std::string("SELECT ") + kEntryColumns + " FROM " + table + " WHERE " + where +
         " ORDER BY e.sort_key" + direction + ", e.id" + direction + " LIMIT " +
         placeholder(params, static_cast<std::int64_t>(limit));
}

std::vector<Listed<Entry>> entries_from(const pg::Result& result,
                                        const std::optional<PagePosition>& from) {
  std::vector<Listed<Entry>> rows;
  for (auto r : result) {
    Entry e{r.text(0) == "folder" ? Entry::Kind::folder : Entry::Kind::file,
            r.get<Uuid>(1),
            r.get<std::optional<Uuid>>(2),
            entity_type_at(r, 3),
            r.get<Uuid>(4),
            r.get<std::string>(5),
            r.get<std::optional<std::string>>(6),
            r.get<std::optional<std::int64_t>>(7),
            r.get<Timestamp>(8),
            r.get<Timestamp>(9),
            deletion_at(r, 10)};
    rows.push_back({std::move(e), r.get<std::string>(13)});
  }
  reorder(rows, from);
  return rows;
}

}  // namespace

asio::awaitable<std::vector<Listed<Entry>>> DriveRepository::children(
    Uuid folder, bool include_deleted, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  const auto parent = placeholder(params, folder);
  const std::string live = include_deleted ? "" : " AND deleted_at IS NULL";
  const auto table = entries("parent_id = " + parent + live,
                             "folder_id = " + parent + live + " AND status = 'stored'");
  co_return entries_from(co_await pool_.read_page(page_sql(table, from, limit, params), params), from);
}

asio::awaitable<std::vector<Listed<Entry>>> DriveRepository::search(
    const DriveSearch& search, std::size_t limit, const std::optional<PagePosition>& from) {
  pg::Params params;
  std::string common = "TRUE";
  if (!search.text.empty())
    common += " AND name ILIKE " + placeholder(params, contains_patterns({search.text}).front());
  if (search.entity_type)
    common +=
        " AND entity_type = " + placeholder(params, std::string(to_string(*search.entity_type)));
  if (search.entity_id) common += " AND entity_id = " + placeholder(params, *search.entity_id);
  if (!search.include_deleted) common += " AND deleted_at IS NULL";
  if (search.visible_to) {
    const auto me = placeholder(params, *search.visible_to);
    common +=
        " AND (entity_type IN ('company', 'contact')"
        " OR (entity_type = 'lead' AND entity_id IN (SELECT id FROM leads"
        " WHERE owner_user_id = " +
        me +
        "))"
        " OR (entity_type = 'deal' AND entity_id IN (SELECT d.id FROM deals d"
        " WHERE d.owner_id = " +
        me + ")))";
  }
  // A MIME type names files only: no folder has one.
  std::string folders = common, files = common + " AND status = 'stored'";
  if (search.mime_type) {
    folders = "FALSE";
    files += " AND mime_type = " + placeholder(params, *search.mime_type);
  }
  const auto table = entries(folders, files);
  co_return entries_from(co_await pool_.read_page(page_sql(table, from, limit, params), params), from);
}

}  // namespace crmd::storage
