// Deals and pipelines: managed here for teams without Pipedrive, mirrored
// from it for teams with it (storage/pipedrive/, actors/pipedrive_sync.*),
// the same read models over both. Reads come from the database only.
//
// Who sees what: managers and admins every deal; a sales user the deals they
// own (404 for others'). Pipelines and stages are everyone's to read and
// admins' to change.
//
// The actor's state, on its strand: the pipelines and stages every read
// model needs, today's date in the company's time zone, and the aggregates
// (cashflow, KPIs) last computed. NOTIFY crmd_deal_reference empties the
// reference data in every process, NOTIFY crmd_deals the aggregates (a
// write here empties them at once, so the writer reads its own write).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/actor.hpp"
#include "domain/common/ttl_cache.hpp"
#include "domain/deals/deal.hpp"
#include "domain/deals/health.hpp"
#include "domain/identity/principal.hpp"
#include "storage/deals/repository.hpp"
#include "storage/pg/listener.hpp"

namespace crmd::actors {

inline constexpr const char* kDealReferenceChannel = "crmd_deal_reference";
inline constexpr const char* kDealsChannel = "crmd_deals";

struct DealOptions {
  std::string default_pipeline = "Sales";  // CRMD_DEFAULT_PIPELINE
  int stuck_days = 30;                     // CRMD_DEALS_STUCK_DAYS
  int commit_probability = 70;             // CRMD_DEALS_COMMIT_PROBABILITY
  std::string time_zone = "UTC";           // CRMD_COMPANY_TIME_ZONE: what "today" is
  bool pipedrive_write_back = false;       // CRMD_PIPEDRIVE_WRITE_BACK
  // How long a computed aggregate may be served when no deal changed.
  std::chrono::seconds aggregate_ttl{30};
};

// The reference data of the read models.
struct DealReference {
  std::vector<deals::Pipeline> pipelines;
  std::vector<deals::Stage> stages;  // by pipeline, then order
  const deals::Pipeline* pipeline(const Uuid& id) const;
  const deals::Stage* stage(const Uuid& id) const;
  std::vector<const deals::Stage*> stages_of(const Uuid& pipeline) const;
};

// Sends a change of a mirrored deal to Pipedrive first (write-back); the
// deal as Pipedrive answered, already mirrored. Set by the sync when
// Pipedrive is configured.
using WriteBack = std::function<boost::asio::awaitable<deals::Deal>(const deals::Deal& current,
                                                                    const deals::DealChanges&)>;

// A page of a read model's list, with the facts its rules used.
struct DealLines {
  std::vector<Listed<storage::DealLine>> rows;
  std::shared_ptr<const DealReference> reference;
  std::chrono::sys_days today;
  Timestamp now;
};

class DealService {
 public:
  DealService(Actor& actor, pg::Pool& pool, DealOptions options);

  boost::asio::awaitable<void> follow_changes(pg::Listener& listener);
  void set_write_back(WriteBack write_back) { write_back_ = std::move(write_back); }
  const DealOptions& options() const { return options_; }
  storage::DealRepository& repository() { return repository_; }

  // ---- pipelines and stages
  using Reference = std::shared_ptr<const DealReference>;
  boost::asio::awaitable<Reference> reference();
  boost::asio::awaitable<deals::Pipeline> create_pipeline(deals::NewPipeline p,
                                                          identity::RequestContext context);
  boost::asio::awaitable<deals::Pipeline> update_pipeline(Uuid id, deals::PipelineChanges c,
                                                          identity::RequestContext context);
  boost::asio::awaitable<void> delete_pipeline(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<deals::Stage> create_stage(deals::NewStage s,
                                                    identity::RequestContext context);
  boost::asio::awaitable<deals::Stage> update_stage(Uuid id, deals::StageChanges c,
                                                    identity::RequestContext context);
  // A stage with deals goes only with a stage to move them to.
  boost::asio::awaitable<void> delete_stage(Uuid id, std::optional<Uuid> move_to,
                                            identity::RequestContext context);

  // ---- deals
  boost::asio::awaitable<deals::Deal> create(deals::DealChanges c,
                                             identity::RequestContext context);
  boost::asio::awaitable<deals::Deal> update(Uuid id, deals::DealChanges c,
                                             identity::RequestContext context);
  boost::asio::awaitable<void> remove(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<deals::Deal> get(Uuid id, identity::RequestContext context);
  boost::asio::awaitable<std::vector<Listed<deals::Deal>>> list(storage::DealQuery query,
                                                                std::size_t limit,
                                                                std::optional<PagePosition> from,
                                                                identity::RequestContext context);
  // The deal, its stage history, recent notes, linked records, health.
  boost::asio::awaitable<boost::json::object> detail(Uuid id, identity::RequestContext context);
  // A qualified lead's deal, in the first stage of the default pipeline, in
  // the qualification's transaction (history and audit row with it).
  boost::asio::awaitable<deals::Deal> open_for_lead(pg::Transaction& tx, std::string title,
                                                    Uuid company, Uuid lead,
                                                    std::optional<Uuid> owner,
                                                    const identity::RequestContext& context);

  // ---- notes (type: deal, lead, contact or company)
  boost::asio::awaitable<deals::Note> add_note(std::string type, Uuid entity, std::string content,
                                               identity::RequestContext context);
  boost::asio::awaitable<std::vector<Listed<deals::Note>>> notes(std::string type, Uuid entity,
                                                                 std::size_t limit,
                                                                 std::optional<PagePosition> from,
                                                                 identity::RequestContext context);

  // ---- read models of one pipeline (404 for an unknown one)
  boost::asio::awaitable<DealLines> overdue(Uuid pipeline, int min_days, std::size_t limit,
                                            std::optional<PagePosition> from,
                                            identity::RequestContext context);
  boost::asio::awaitable<DealLines> stuck(Uuid pipeline, std::size_t limit,
                                          std::optional<PagePosition> from,
                                          identity::RequestContext context);
  boost::asio::awaitable<DealLines> order_received(Uuid pipeline, std::size_t limit,
                                                   std::optional<PagePosition> from,
                                                   identity::RequestContext context);
  boost::asio::awaitable<DealLines> incomplete(Uuid pipeline, std::size_t limit,
                                               std::optional<PagePosition> from,
                                               identity::RequestContext context);
  boost::asio::awaitable<DealLines> inactive(Uuid pipeline, int days, std::size_t limit,
                                             std::optional<PagePosition> from,
                                             identity::RequestContext context);
  boost::asio::awaitable<boost::json::object> cashflow(Uuid pipeline, int months,
                                                       identity::RequestContext context);
  boost::asio::awaitable<boost::json::object> recent_summary(Uuid pipeline, int days,
                                                             identity::RequestContext context);
  boost::asio::awaitable<boost::json::object> owner_kpis(Timestamp from, Timestamp to,
                                                         std::optional<Uuid> pipeline,
                                                         identity::RequestContext context);
  // The caller's focus list, most urgent first.
  boost::asio::awaitable<boost::json::object> today_dashboard(identity::RequestContext context);

  // The terms of a stage for the health rules.
  static deals::StageTerms terms_of(const deals::Stage& stage);
  // A deal line's health as the read models show it.
  boost::json::object health_of(const deals::Deal& deal, const DealReference& reference,
                                std::chrono::sys_days today, Timestamp now) const;

  // After a write elsewhere (the sync): the aggregates are stale.
  boost::asio::awaitable<void> deals_changed();

 private:
  boost::asio::awaitable<void> follow(pg::Listener& listener, std::string channel,
                                      std::function<void()> drop);
  // Writes of reference data drop this process's cache at once (the NOTIFY
  // comes later), so that the writer reads what it wrote.
  boost::asio::awaitable<void> drop_reference();
  boost::asio::awaitable<std::chrono::sys_days> today();
  // The reference data, the pipeline known in it (else 404).
  boost::asio::awaitable<Reference> pipeline_reference(const Uuid& pipeline);
  std::vector<storage::StageAggregateTerms> aggregate_terms(const DealReference& reference,
                                                            const std::optional<Uuid>& pipeline,
                                                            Timestamp now) const;
  // The deal as its writer may have it: visible (else 404), If-Match.
  boost::asio::awaitable<deals::Deal> writable(const Uuid& id,
                                               const identity::RequestContext& context);
  // The changes checked against the reference data and the caller: the
  // pipeline and stage agree, owners are for managers to give.
  boost::asio::awaitable<void> check(const deals::Deal& after, const deals::DealChanges& c,
                                     const identity::RequestContext& context);
  // One cached aggregate, computed by make on a miss.
  boost::asio::awaitable<boost::json::object> cached(
      std::string key, std::function<boost::asio::awaitable<boost::json::object>()> make);

  Actor& actor_;
  pg::Pool& pool_;
  DealOptions options_;
  storage::DealRepository repository_;
  WriteBack write_back_;
  // On the strand.
  Reference reference_;
  std::uint64_t reference_generation_ = 0;
  std::optional<std::pair<std::chrono::sys_days, Timestamp>> today_;  // and when it ends
  TtlCache<std::string, boost::json::object> aggregates_;
  // The aggregates being computed, each with the timer its waiters wait on.
  std::unordered_map<std::string, std::shared_ptr<boost::asio::steady_timer>> computing_;
  std::uint64_t deals_generation_ = 0;
};

}  // namespace crmd::actors
