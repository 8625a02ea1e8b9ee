// The Pipedrive mirror: users, pipelines, stages, organizations, persons,
// deals (archived and deleted ones too) and notes, read page by page
// through the gateway (storage/pipedrive/) and stored by pipedrive_id
// (storage/deals/mirror.hpp). A first run reads everything; later ones ask
// for what changed since the watermark less an overlap. The cursor and the
// watermark move in each page's transaction, so a run that dies resumes
// where it was. Once a day every deal id is listed and the mirrored deals
// Pipedrive purged are soft-deleted.
//
// One run at a time across processes: the lease on pipedrive_sync_state.
// Pipedrive's rate limits: the client paces and waits out bursts; a spent
// daily budget or a 403 after 429s pauses every run until its end (shown
// in the status).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "actors/deals.hpp"
#include "actors/jobs/job_pool.hpp"
#include "actors/scheduler.hpp"
#include "storage/deals/mirror.hpp"
#include "storage/deals/sync_repository.hpp"
#include "storage/pipedrive/client.hpp"

namespace crmd::actors {

inline constexpr const char* kPipedriveSyncJob = "pipedrive_sync";
// In dependency order. deals_reconcile runs at most daily unless asked for.
inline constexpr std::array<std::string_view, 10> kSyncEntities{
    "users", "pipelines",      "stages",        "organizations", "persons",
    "deals", "deals_archived", "deals_deleted", "notes",         "deals_reconcile"};

struct PipedriveSyncOptions {
  std::string process;                // names this process's lease
  std::chrono::seconds overlap{300};  // asked again before the watermark
  std::chrono::seconds lease{600};    // renewed with every page
  std::chrono::hours reconcile_every{24};
  std::chrono::hours hard_stop_pause{1};  // after a 403 that followed 429s
};

class PipedriveSync {
 public:
  PipedriveSync(pg::Pool& pool, DealService& deals, pipedrive::PipedriveClient& client,
                PipedriveSyncOptions options);

  // The entities (every one when empty) in dependency order; the records
  // written. When another run holds the lease: waits for it (wait), or
  // answers 0 at once. Throws when a run fails (its state says why).
  boost::asio::awaitable<std::int64_t> run(std::vector<std::string> entities, bool wait);
  boost::asio::awaitable<boost::json::object> status();
  // The deal's changes sent to Pipedrive, then mirrored (DealService's
  // write-back).
  boost::asio::awaitable<deals::Deal> write_back(deals::Deal current, deals::DealChanges changes);

 private:
  struct Step;
  boost::asio::awaitable<std::int64_t> run_entity(std::string entity, bool forced);
  boost::asio::awaitable<Step> page(const std::string& entity, const storage::SyncMetadata& meta);
  boost::asio::awaitable<std::int64_t> reconcile();
  // Stores a mirror write's audit rows, the page position, and commits.
  boost::asio::awaitable<void> audit_deals(pg::Transaction& tx, const storage::MirrorWrite& write);
  boost::asio::awaitable<void> note_rate_limit();

  pg::Pool& pool_;
  DealService& deals_;
  pipedrive::PipedriveClient& client_;
  PipedriveSyncOptions options_;
  storage::SyncRepository state_;
  std::string lease_owner_;
};

JobHandler pipedrive_sync_handler(pg::Pool& pool, PipedriveSync& sync);

}  // namespace crmd::actors
