#include "storage/leads/repository.hpp"
#include "storage/leads/rows.hpp"
#include "storage/sql.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
using leads::Lead;
using namespace lead_rows;

// ---- lead contacts

asio::awaitable<std::vector<leads::LeadContact>> LeadRepository::contacts(const Uuid& lead) {
  const auto result =
      co_await run(std::string("SELECT ") + kContactColumns +
                       " FROM lead_contacts lc JOIN contacts c ON c.id = lc.contact_id"
                       " WHERE lc.lead_id = $1 AND c.deleted_at IS NULL"
                       " ORDER BY lc.is_primary DESC, lc.added_at, lc.contact_id",
                   pg::Params(lead));
  std::vector<leads::LeadContact> contacts;
  for (auto row : result) contacts.push_back(contact_from(row, 0));
  // The primary: the flagged one, else the earliest added (first here).
  if (!contacts.empty()) contacts.front().primary = true;
  co_return contacts;
}

asio::awaitable<bool> LeadRepository::live_contact_exists(pg::Transaction& tx, const Uuid& id) {
  const auto result = co_await run(
      tx, "SELECT 1 FROM contacts WHERE id = $1 AND deleted_at IS NULL FOR SHARE", pg::Params(id));
  co_return !result.empty();
}

asio::awaitable<void> LeadRepository::lock_contacts_of(pg::Transaction& tx, const Uuid& lead) {
  co_await run(tx,
               "SELECT c.id FROM contacts c JOIN lead_contacts lc ON lc.contact_id = c.id"
               " WHERE lc.lead_id = $1 ORDER BY c.id FOR NO KEY UPDATE OF c",
               pg::Params(lead));
}

asio::awaitable<bool> LeadRepository::add_contact(pg::Transaction& tx, const Uuid& lead,
                                                  const Uuid& contact) {
  const auto result = co_await run(
      tx, "INSERT INTO lead_contacts (lead_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
      pg::Params(lead, contact));
  co_return result.affected() > 0;
}

asio::awaitable<bool> LeadRepository::remove_contact(pg::Transaction& tx, const Uuid& lead,
                                                     const Uuid& contact) {
  const auto result =
      co_await run(tx, "DELETE FROM lead_contacts WHERE lead_id = $1 AND contact_id = $2",
                   pg::Params(lead, contact));
  co_return result.affected() > 0;
}

asio::awaitable<bool> LeadRepository::set_primary_contact(pg::Transaction& tx, const Uuid& lead,
                                                          const Uuid& contact) {
  // The lead's row lock (taken by the caller) orders concurrent changes; the
  // old primary is cleared before the new one is set, so the partial unique
  // index holds at every statement.
  const auto linked =
      co_await run(tx, "SELECT 1 FROM lead_contacts WHERE lead_id = $1 AND contact_id = $2",
                   pg::Params(lead, contact));
  if (linked.empty()) co_return false;
  co_await run(tx,
               "UPDATE lead_contacts SET is_primary = false WHERE lead_id = $1 AND is_primary"
               " AND contact_id <> $2",
               pg::Params(lead, contact));
  co_await run(tx,
               "UPDATE lead_contacts SET is_primary = true WHERE lead_id = $1 AND contact_id = $2",
               pg::Params(lead, contact));
  co_return true;
}

asio::awaitable<std::optional<leads::ActivityStats>> LeadRepository::stats(const Uuid& lead) {
  const auto result = co_await run(
      std::string("SELECT ") + kStatsColumns + " FROM lead_activity_stats st WHERE st.lead_id = $1",
      pg::Params(lead));
  if (result.empty()) co_return std::nullopt;
  co_return stats_from(result[0], 0);
}

}  // namespace crmd::storage
