// The SQL of deals: pipelines and stages, deals and their stage history,
// notes, and the read models (each one statement over the deals' indexes).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/page.hpp"
#include "domain/deals/cashflow.hpp"
#include "domain/deals/deal.hpp"
#include "domain/deals/kpis.hpp"
#include "storage/pg/pool.hpp"

namespace crmd::storage {

struct DealQuery {
  std::optional<std::string> q;  // a fragment of the title, company or contact name
  std::vector<std::string> statuses;
  std::optional<Uuid> owner_id, pipeline_id, stage_id, company_id, contact_id;
  bool include_archived = false;
  std::optional<Uuid> visible_to;  // a sales user: their deals only
};

// A deal of a read model's list, with what the list says of it.
struct DealLine {
  deals::Deal deal;
  std::string stage_name;
  std::optional<std::string> owner_name;
};

// The boundary of one stage's rule: deals of the stage before `before`.
struct StageCutoff {
  Uuid stage_id;
  Timestamp before;
};

// A stage's compliance checklist.
struct StageChecklist {
  Uuid stage_id;
  deals::Checklist checklist;
};

// The terms the aggregates apply to each stage's deals.
struct StageAggregateTerms {
  Uuid stage_id;
  int stage_probability = 100;           // the stage's, or 100
  bool deal_probability_applies = true;  // the pipeline uses probability
  std::optional<Timestamp> rotten_before;
  Timestamp stuck_before;
};

struct KpiQuery {
  Timestamp from, to;
  std::optional<Uuid> pipeline_id;
  std::optional<Uuid> owner_id;  // a sales user: theirs only
  std::chrono::sys_days overdue_before;
  std::vector<StageAggregateTerms> terms;
};

struct RecentTotals {
  std::string kind;  // created, moved, won, lost
  std::string currency;
  std::int64_t deals = 0, value_cents = 0;
};

// A stage visit of a deal's history, its stage named.
using StageVisits = std::vector<deals::StageVisit>;

struct OwnerName {
  std::optional<Uuid> owner_id;
  std::optional<std::int64_t> pipedrive_owner_id;
  std::string name;
};

class DealRepository {
 public:
  explicit DealRepository(pg::Pool& pool) : pool_(pool) {}

  // ---- pipelines and stages (every live one, for the actor's cache)
  boost::asio::awaitable<std::vector<deals::Pipeline>> pipelines();
  boost::asio::awaitable<std::vector<deals::Stage>> stages();
  boost::asio::awaitable<deals::Pipeline> insert_pipeline(pg::Transaction& tx,
                                                          const deals::NewPipeline& p);
  boost::asio::awaitable<std::optional<deals::Pipeline>> lock_pipeline(pg::Transaction& tx,
                                                                       const Uuid& id);
  boost::asio::awaitable<deals::Pipeline> update_pipeline(pg::Transaction& tx,
                                                          const deals::Pipeline& p);
  // Soft-deletes the pipeline and its stages.
  boost::asio::awaitable<void> delete_pipeline(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<deals::Stage> insert_stage(pg::Transaction& tx, const deals::Stage& s);
  boost::asio::awaitable<std::optional<deals::Stage>> lock_stage(pg::Transaction& tx,
                                                                 const Uuid& id);
  boost::asio::awaitable<deals::Stage> update_stage(pg::Transaction& tx, const deals::Stage& s);
  boost::asio::awaitable<void> delete_stage(pg::Transaction& tx, const Uuid& id);
  // Live deals of a pipeline or a stage (any status).
  boost::asio::awaitable<std::int64_t> live_deals_in(pg::Transaction& tx, std::string_view column,
                                                     const Uuid& id);
  // The stage's deals moved to another (history written, by `by`); the ids.
  boost::asio::awaitable<std::vector<Uuid>> move_stage_deals(pg::Transaction& tx, const Uuid& from,
                                                             const deals::Stage& to,
                                                             const std::optional<Uuid>& by);

  // ---- deals
  boost::asio::awaitable<std::optional<deals::Deal>> get(const Uuid& id,
                                                         const std::optional<Uuid>& visible_to);
  boost::asio::awaitable<std::optional<deals::Deal>> lock(pg::Transaction& tx, const Uuid& id);
  boost::asio::awaitable<deals::Deal> insert(pg::Transaction& tx, const deals::Deal& d);
  boost::asio::awaitable<deals::Deal> update(pg::Transaction& tx, const deals::Deal& d);
  boost::asio::awaitable<deals::Deal> set_deleted(pg::Transaction& tx, const Uuid& id,
                                                  const std::optional<Uuid>& by,
                                                  const std::optional<std::string>& reason);
  // The deal entered its stage at its stage_entered_at: the visit before
  // (if any) ends then.
  boost::asio::awaitable<void> enter_stage(pg::Transaction& tx, const deals::Deal& d,
                                           const std::optional<Uuid>& by);
  boost::asio::awaitable<StageVisits> history(const Uuid& deal);
  boost::asio::awaitable<std::vector<Listed<deals::Deal>>> list(
      const DealQuery& query, std::size_t limit, const std::optional<PagePosition>& from);
  // Whether a live row of the table has the id.
  boost::asio::awaitable<bool> live_exists(std::string_view table, const Uuid& id);
  // The names of deals' owners (crmd users, else Pipedrive users).
  boost::asio::awaitable<std::vector<OwnerName>> owner_names(
      const std::vector<std::optional<Uuid>>& users, const std::vector<std::int64_t>& pipedrive);
  // Names of a deal's company, contact and lead.
  boost::asio::awaitable<boost::json::object> links_of(const deals::Deal& d);

  // ---- notes
  boost::asio::awaitable<deals::Note> insert_note(pg::Transaction& tx, const std::string& type,
                                                  const Uuid& entity, const std::string& content,
                                                  const std::optional<Uuid>& author);
  boost::asio::awaitable<std::vector<Listed<deals::Note>>> notes(
      const std::string& type, const Uuid& entity, std::size_t limit,
      const std::optional<PagePosition>& from);
  // Whether the record a note goes on exists and the caller may see it.
  boost::asio::awaitable<bool> note_target_visible(const std::string& type, const Uuid& entity,
                                                   const std::optional<Uuid>& visible_to);

  // ---- read models (open, unarchived deals of one pipeline)
  boost::asio::awaitable<std::vector<Listed<DealLine>>> overdue(
      const Uuid& pipeline, std::chrono::sys_days close_before_or_on,
      const std::optional<Uuid>& visible_to, std::size_t limit,
      const std::optional<PagePosition>& from);
  // In any of the stages since before its cutoff (longest first).
  boost::asio::awaitable<std::vector<Listed<DealLine>>> in_stage_since(
      const Uuid& pipeline, const std::vector<StageCutoff>& cutoffs,
      const std::optional<Uuid>& visible_to, std::size_t limit,
      const std::optional<PagePosition>& from);
  // Not updated since before its stage's cutoff (longest first); with
  // notes_and_events, nor noted nor met (a past calendar event) since.
  boost::asio::awaitable<std::vector<Listed<DealLine>>> untouched(
      const Uuid& pipeline, const std::vector<StageCutoff>& cutoffs, bool notes_and_events,
      const std::optional<Uuid>& visible_to, std::size_t limit,
      const std::optional<PagePosition>& from);
  // Deals missing a field their stage's checklist asks for.
  boost::asio::awaitable<std::vector<Listed<DealLine>>> incomplete(
      const Uuid& pipeline, const std::vector<StageChecklist>& checklists,
      const std::optional<Uuid>& visible_to, std::size_t limit,
      const std::optional<PagePosition>& from);
  boost::asio::awaitable<std::vector<deals::CashflowGroup>> cashflow_groups(
      const Uuid& pipeline, std::chrono::sys_days today,
      const std::vector<StageAggregateTerms>& terms, const std::optional<Uuid>& visible_to);
  boost::asio::awaitable<std::vector<RecentTotals>> recent(const Uuid& pipeline, Timestamp since,
                                                           const std::optional<Uuid>& visible_to);
  boost::asio::awaitable<std::vector<deals::OwnerKpiRow>> owner_kpis(const KpiQuery& query);

  // Today in the time zone, and when it ends (UTC).
  boost::asio::awaitable<std::pair<std::chrono::sys_days, Timestamp>> today(
      const std::string& time_zone);

 private:
  pg::Pool& pool_;
};

}  // namespace crmd::storage
