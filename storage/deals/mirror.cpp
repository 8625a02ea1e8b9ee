// Each upsert is one statement over the page (jsonb_to_recordset), so a
// page of 500 deals costs a handful of round trips, not 500.
#include "storage/deals/mirror.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <unordered_set>

#include "domain/common/clock.hpp"
#include "domain/contacts/company.hpp"
#include "domain/deals/health.hpp"
#include "domain/deals/money.hpp"
#include "domain/deals/note_text.hpp"
#include "storage/deals/rows.hpp"

namespace crmd::storage {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::value time_of(const std::optional<Timestamp>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

template <class T>
json::value maybe(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

std::int64_t count_of(const pg::Result& r) {
  return r.rows();
}

// Pipedrive's open/won/lost; anything else (deleted) is not a status here.
bool known_status(const std::string& s) {
  return s == "open" || s == "won" || s == "lost";
}

json::object deal_row(const pipedrive::Deal& d) {
  json::object o;
  o["pipedrive_id"] = d.id;
  o["title"] = d.title.empty() ? "(untitled)" : d.title;
  std::optional<std::int64_t> cents;
  if (d.value) cents = deals::money_of_double(*d.value);
  o["value_cents"] = maybe(cents);
  o["currency"] = deals::valid_currency(d.currency) ? d.currency : "USD";
  o["status"] = d.status;
  o["stage_pd"] = d.stage_id;
  o["owner_pd"] = maybe(d.owner_id);
  o["person_pd"] = maybe(d.person_id);
  o["org_pd"] = maybe(d.org_id);
  o["expected_close_date"] = maybe(d.expected_close_date);
  std::optional<int> probability;
  if (d.probability && *d.probability >= 0 && *d.probability <= 100) probability = d.probability;
  o["probability"] = maybe(probability);
  o["lost_reason"] = maybe(d.lost_reason);
  const auto now = current_time();
  const auto added = d.add_time.value_or(d.update_time.value_or(now));
  o["add_time"] = format_rfc3339(added);
  o["update_time"] = format_rfc3339(d.update_time.value_or(added));
  o["stage_change_time"] = time_of(d.stage_change_time);
  o["stage_entered_at"] =
      format_rfc3339(deals::stage_entered_at(std::nullopt, d.stage_change_time, added));
  o["won_time"] = time_of(d.won_time);
  o["lost_time"] = time_of(d.lost_time);
  o["close_time"] = time_of(d.close_time);
  o["archived_at"] = d.archived ? time_of(d.archive_time.value_or(d.update_time.value_or(now)))
                                : json::value(nullptr);
  o["custom_fields"] = d.custom_fields;
  return o;
}

json::array user_rows(const std::vector<pipedrive::User>& items) {
  json::array rows;
  for (const auto& u : items)
    rows.push_back(json::object{
        {"id", u.id}, {"name", u.name}, {"email", maybe(u.email)}, {"active", u.active}});
  return rows;
}

json::array pipeline_rows(const std::vector<pipedrive::Pipeline>& items) {
  json::array rows;
  for (const auto& p : items)
    rows.push_back(json::object{{"id", p.id},
                                {"name", p.name.empty() ? "(unnamed)" : p.name},
                                {"order_nr", p.order_nr},
                                {"probability", p.deal_probability},
                                {"deleted", p.deleted}});
  return rows;
}

json::array stage_rows(const std::vector<pipedrive::Stage>& items) {
  json::array rows;
  for (const auto& s : items) {
    std::optional<int> probability;
    if (s.deal_probability && *s.deal_probability >= 0 && *s.deal_probability <= 100)
      probability = s.deal_probability;
    std::optional<int> rot;
    if (s.days_to_rotten && *s.days_to_rotten > 0) rot = s.days_to_rotten;
    rows.push_back(json::object{{"id", s.id},
                                {"pipeline_pd", s.pipeline_id},
                                {"name", s.name.empty() ? "(unnamed)" : s.name},
                                {"order_nr", s.order_nr},
                                {"probability", maybe(probability)},
                                {"rot_enabled", s.rot_enabled},
                                {"days_to_rotten", maybe(rot)},
                                {"deleted", s.deleted}});
  }
  return rows;
}

// Deleted organizations and persons are left out: a company or contact
// stays in crmd (see README, "Pipedrive").
json::array organization_rows(const std::vector<pipedrive::Organization>& items) {
  json::array rows;
  for (const auto& o : items) {
    if (o.deleted) continue;
    const auto name = o.name.empty() ? std::string("(unnamed)") : o.name;
    std::optional<std::string> domain;
    if (o.website) domain = contacts::normalize_domain(*o.website);
    rows.push_back(json::object{{"id", o.id},
                                {"name", name},
                                {"normalized", contacts::normalize_company_name(name)},
                                {"domain", maybe(domain)}});
  }
  return rows;
}

json::array person_rows(const std::vector<pipedrive::Person>& items) {
  json::array rows;
  for (const auto& p : items) {
    if (p.deleted) continue;
    const auto space = p.name.find(' ');
    const auto first = p.name.substr(0, space);
    const auto last = space == std::string::npos ? std::string() : p.name.substr(space + 1);
    std::optional<std::string> email, phone;
    if (!p.emails.empty() && !p.emails.front().empty()) email = p.emails.front();
    if (!p.phones.empty() && !p.phones.front().empty()) phone = p.phones.front();
    rows.push_back(json::object{{"id", p.id},
                                {"first", first},
                                {"last", last},
                                {"email", maybe(email)},
                                {"phone", maybe(phone)},
                                {"org_pd", maybe(p.org_id)},
                                {"owner_pd", maybe(p.owner_id)}});
  }
  return rows;
}

json::array note_rows(const std::vector<pipedrive::Note>& items) {
  json::array rows;
  const auto now = current_time();
  for (const auto& n : items) {
    const auto added = n.add_time.value_or(n.update_time.value_or(now));
    rows.push_back(json::object{{"id", n.id},
                                {"content", n.content},
                                {"text", deals::note_text(n.content)},
                                {"deal_pd", maybe(n.deal_id)},
                                {"person_pd", maybe(n.person_id)},
                                {"org_pd", maybe(n.org_id)},
                                {"user_pd", maybe(n.user_id)},
                                {"added", format_rfc3339(added)},
                                {"updated", format_rfc3339(n.update_time.value_or(added))},
                                {"active", n.active}});
  }
  return rows;
}

constexpr const char* kDealRecordset =
    "pipedrive_id bigint, title text, value_cents bigint, currency text, status text,"
    " stage_pd bigint, owner_pd bigint, person_pd bigint, org_pd bigint,"
    " expected_close_date date, probability smallint, lost_reason text, add_time timestamptz,"
    " update_time timestamptz, stage_change_time timestamptz, stage_entered_at timestamptz,"
    " won_time timestamptz, lost_time timestamptz, close_time timestamptz,"
    " archived_at timestamptz, custom_fields jsonb";

// Stage entries of the deals that are new or changed stage.
asio::awaitable<void> enter_stages(pg::Transaction& tx, const std::vector<MirroredDeal>& changed) {
  std::vector<Uuid> ids, pipelines, stages;
  std::vector<Timestamp> entered;
  for (const auto& c : changed)
    if (!c.stage_before || *c.stage_before != c.after.stage_id) {
      ids.push_back(c.after.id);
      pipelines.push_back(c.after.pipeline_id);
      stages.push_back(c.after.stage_id);
      entered.push_back(c.after.stage_entered_at);
    }
  if (ids.empty()) co_return;
  co_await tx.query(
      "UPDATE deal_stage_history h SET left_at = greatest(h.entered_at, m.entered)"
      " FROM unnest($1::uuid[], $2::timestamptz[]) AS m (deal_id, entered)"
      " WHERE h.deal_id = m.deal_id AND h.left_at IS NULL",
      pg::Params(ids, entered));
  co_await tx.query(
      "INSERT INTO deal_stage_history (deal_id, pipeline_id, stage_id, entered_at)"
      " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])",
      pg::Params(ids, pipelines, stages, entered));
}

}  // namespace

asio::awaitable<MirrorWrite> DealMirror::users(pg::Transaction& tx,
                                               const std::vector<pipedrive::User>& items) {
  auto rows = user_rows(items);
  const auto result = co_await tx.query(
      "INSERT INTO pipedrive_users (pipedrive_id, name, email, active, user_id)"
      " SELECT i.id, i.name, i.email, i.active, (SELECT u.id FROM users u WHERE u.email ="
      " i.email::citext) FROM jsonb_to_recordset($1::jsonb) AS i (id bigint, name text,"
      " email text, active boolean)"
      " ON CONFLICT (pipedrive_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,"
      " active = EXCLUDED.active, user_id = EXCLUDED.user_id, updated_at = now()"
      " WHERE (pipedrive_users.name, pipedrive_users.email, pipedrive_users.active,"
      " pipedrive_users.user_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email,"
      " EXCLUDED.active, EXCLUDED.user_id) RETURNING 1",
      pg::Params(json::value(std::move(rows))));
  MirrorWrite out;
  out.written = static_cast<std::size_t>(count_of(result));
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::pipelines(pg::Transaction& tx,
                                                   const std::vector<pipedrive::Pipeline>& items) {
  auto rows = pipeline_rows(items);
  const auto result = co_await tx.query(
      "INSERT INTO pipelines (pipedrive_id, name, order_nr, uses_probability, deleted_at)"
      " SELECT i.id, i.name, i.order_nr, i.probability, CASE WHEN i.deleted THEN now() END"
      " FROM jsonb_to_recordset($1::jsonb) AS i (id bigint, name text, order_nr int,"
      " probability boolean, deleted boolean)"
      " ON CONFLICT (pipedrive_id) DO UPDATE SET name = EXCLUDED.name, order_nr = "
      "EXCLUDED.order_nr,"
      " uses_probability = EXCLUDED.uses_probability, deleted_at = CASE WHEN EXCLUDED.deleted_at"
      " IS NULL THEN NULL ELSE coalesce(pipelines.deleted_at, now()) END, updated_at = now()"
      " WHERE (pipelines.name, pipelines.order_nr, pipelines.uses_probability,"
      " pipelines.deleted_at IS NULL) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.order_nr,"
      " EXCLUDED.uses_probability, EXCLUDED.deleted_at IS NULL) RETURNING 1",
      pg::Params(json::value(std::move(rows))));
  MirrorWrite out;
  out.written = static_cast<std::size_t>(count_of(result));
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::stages(pg::Transaction& tx,
                                                const std::vector<pipedrive::Stage>& items) {
  auto rows = stage_rows(items);
  const auto result = co_await tx.query(
      "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS i (id bigint,"
      " pipeline_pd bigint, name text, order_nr int, probability smallint, rot_enabled boolean,"
      " days_to_rotten int, deleted boolean)),"
      " written AS (INSERT INTO stages (pipedrive_id, pipeline_id, name, order_nr, probability,"
      " rot_enabled, days_to_rotten, deleted_at)"
      " SELECT i.id, p.id, i.name, i.order_nr, i.probability, i.rot_enabled, i.days_to_rotten,"
      " CASE WHEN i.deleted THEN now() END FROM input i JOIN pipelines p ON p.pipedrive_id ="
      " i.pipeline_pd"
      " ON CONFLICT (pipedrive_id) DO UPDATE SET pipeline_id = EXCLUDED.pipeline_id,"
      " name = EXCLUDED.name, order_nr = EXCLUDED.order_nr, probability = EXCLUDED.probability,"
      " rot_enabled = EXCLUDED.rot_enabled, days_to_rotten = EXCLUDED.days_to_rotten,"
      " deleted_at = CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL ELSE"
      " coalesce(stages.deleted_at, now()) END, updated_at = now()"
      " WHERE (stages.pipeline_id, stages.name, stages.order_nr, stages.probability,"
      " stages.rot_enabled, stages.days_to_rotten, stages.deleted_at IS NULL) IS DISTINCT FROM"
      " (EXCLUDED.pipeline_id, EXCLUDED.name, EXCLUDED.order_nr, EXCLUDED.probability,"
      " EXCLUDED.rot_enabled, EXCLUDED.days_to_rotten, EXCLUDED.deleted_at IS NULL)"
      " RETURNING 1)"
      " SELECT (SELECT count(*) FROM written), (SELECT array_agg(i.id) FROM input i WHERE NOT"
      " EXISTS (SELECT 1 FROM pipelines p WHERE p.pipedrive_id = i.pipeline_pd))::text",
      pg::Params(json::value(std::move(rows))));
  MirrorWrite out;
  const auto row = result.one();
  out.written = static_cast<std::size_t>(row.get<std::int64_t>(0));
  if (auto orphans = row.get<std::optional<std::string>>(1))
    out.problems.push_back("stages of pipelines not mirrored: " + *orphans);
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::organizations(
    pg::Transaction& tx, const std::vector<pipedrive::Organization>& items) {
  auto rows = organization_rows(items);
  if (rows.empty()) co_return MirrorWrite{};
  const pg::Params input(json::value(std::move(rows)));
  const std::string recordset =
      " FROM jsonb_to_recordset($1::jsonb) AS i (id bigint, name text, normalized text,"
      " domain text)";
  // An unclaimed live company of the same domain, else name, is taken over
  // (one organization a company, one company an organization).
  const auto claimed = co_await tx.query(
      "WITH candidates AS (SELECT DISTINCT ON (i.id) i.id, c.id AS company" + recordset +
          " JOIN companies c ON c.pipedrive_id IS NULL AND c.deleted_at IS NULL AND"
          " ((i.domain IS NOT NULL AND lower(c.domain) = i.domain) OR c.normalized_name ="
          " i.normalized) WHERE NOT EXISTS (SELECT 1 FROM companies x WHERE x.pipedrive_id ="
          " i.id) ORDER BY i.id, (lower(c.domain) = i.domain) DESC NULLS LAST, c.created_at),"
          " unique_companies AS (SELECT DISTINCT ON (company) id, company FROM candidates"
          " ORDER BY company, id)"
          " UPDATE companies c SET pipedrive_id = u.id, updated_at = now() FROM unique_companies u"
          " WHERE c.id = u.company RETURNING 1",
      input);
  const auto made = co_await tx.query(
      "INSERT INTO companies (name, normalized_name, domain, pipedrive_id)"
      " SELECT i.name, i.normalized, i.domain, i.id" +
          recordset +
          " WHERE NOT EXISTS (SELECT 1 FROM companies x WHERE x.pipedrive_id = i.id)"
          " ON CONFLICT DO NOTHING RETURNING 1",
      input);
  MirrorWrite out;
  out.written = static_cast<std::size_t>(count_of(claimed) + count_of(made));
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::persons(pg::Transaction& tx,
                                                 const std::vector<pipedrive::Person>& items) {
  auto rows = person_rows(items);
  if (rows.empty()) co_return MirrorWrite{};
  const pg::Params input(json::value(std::move(rows)));
  const std::string recordset =
      " FROM jsonb_to_recordset($1::jsonb) AS i (id bigint, first text, last text, email text,"
      " phone text, org_pd bigint, owner_pd bigint)";
  const auto claimed = co_await tx.query(
      "WITH candidates AS (SELECT DISTINCT ON (c.id) i.id, c.id AS contact" + recordset +
          " JOIN contacts c ON c.pipedrive_id IS NULL AND c.deleted_at IS NULL AND c.email ="
          " i.email::citext WHERE NOT EXISTS (SELECT 1 FROM contacts x WHERE x.pipedrive_id ="
          " i.id) ORDER BY c.id, i.id)"
          " UPDATE contacts c SET pipedrive_id = m.id, updated_at = now() FROM candidates m"
          " WHERE c.id = m.contact RETURNING 1",
      input);
  const auto made = co_await tx.query(
      "INSERT INTO contacts (first_name, last_name, email, phone, company_id, company_name,"
      " owner_user_id, pipedrive_id)"
      " SELECT i.first, i.last, i.email, i.phone, co.id, co.name, u.user_id, i.id" +
          recordset +
          " LEFT JOIN companies co ON co.pipedrive_id = i.org_pd AND co.deleted_at IS NULL"
          " LEFT JOIN pipedrive_users u ON u.pipedrive_id = i.owner_pd"
          " WHERE NOT EXISTS (SELECT 1 FROM contacts x WHERE x.pipedrive_id = i.id)"
          " ON CONFLICT DO NOTHING RETURNING 1",
      input);
  MirrorWrite out;
  out.written = static_cast<std::size_t>(count_of(claimed) + count_of(made));
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::deals(pg::Transaction& tx,
                                               const std::vector<pipedrive::Deal>& items) {
  MirrorWrite out;
  json::array rows;
  std::vector<std::int64_t> deleted, stages;
  // A deal twice in a page (changed while it was paged) once, as last seen:
  // an upsert cannot touch one row twice.
  std::unordered_set<std::int64_t> seen;
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    const auto& d = *it;
    if (!seen.insert(d.id).second) continue;
    if (d.deleted) {
      deleted.push_back(d.id);
    } else if (!known_status(d.status)) {
      out.problems.push_back("deal " + std::to_string(d.id) + ": status " + d.status);
    } else {
      rows.push_back(deal_row(d));
      stages.push_back(d.stage_id);
    }
  }
  if (!rows.empty()) {
    const auto sql =
        std::string("WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS i (") +
        kDealRecordset +
        ")), before AS (SELECT d.pipedrive_id, d.status, d.stage_id FROM deals d JOIN input i"
        " ON i.pipedrive_id = d.pipedrive_id), written AS (INSERT INTO deals AS d (title, value,"
        " currency, status, pipeline_id, stage_id, owner_id, pipedrive_owner_id, company_id,"
        " contact_id, pipedrive_id, expected_close_date, probability, lost_reason, add_time,"
        " update_time, stage_change_time, stage_entered_at, won_time, lost_time, close_time,"
        " archived_at, custom_fields)"
        " SELECT i.title, i.value_cents / 100.0, i.currency, i.status, s.pipeline_id, s.id,"
        " u.user_id, u.pipedrive_id, co.id, c.id, i.pipedrive_id, i.expected_close_date,"
        " i.probability, i.lost_reason, i.add_time, i.update_time, i.stage_change_time,"
        " i.stage_entered_at, i.won_time, i.lost_time, i.close_time, i.archived_at,"
        " coalesce(i.custom_fields, '{}') FROM input i JOIN stages s ON s.pipedrive_id = i.stage_pd"
        " LEFT JOIN pipedrive_users u ON u.pipedrive_id = i.owner_pd"
        " LEFT JOIN companies co ON co.pipedrive_id = i.org_pd"
        " LEFT JOIN contacts c ON c.pipedrive_id = i.person_pd"
        " ON CONFLICT (pipedrive_id) DO UPDATE SET title = EXCLUDED.title, value = EXCLUDED.value,"
        " currency = EXCLUDED.currency, status = EXCLUDED.status,"
        " pipeline_id = EXCLUDED.pipeline_id, stage_id = EXCLUDED.stage_id,"
        " owner_id = EXCLUDED.owner_id, pipedrive_owner_id = EXCLUDED.pipedrive_owner_id,"
        " company_id = EXCLUDED.company_id, contact_id = EXCLUDED.contact_id,"
        " expected_close_date = EXCLUDED.expected_close_date,"
        " probability = EXCLUDED.probability, lost_reason = EXCLUDED.lost_reason,"
        " add_time = EXCLUDED.add_time, update_time = EXCLUDED.update_time,"
        " stage_change_time = EXCLUDED.stage_change_time,"
        " stage_entered_at = CASE WHEN d.stage_id IS DISTINCT FROM EXCLUDED.stage_id THEN"
        " EXCLUDED.stage_entered_at ELSE d.stage_entered_at END, won_time = EXCLUDED.won_time,"
        " lost_time = EXCLUDED.lost_time, close_time = EXCLUDED.close_time,"
        " archived_at = EXCLUDED.archived_at, custom_fields = EXCLUDED.custom_fields,"
        " deleted_at = NULL, deleted_by = NULL, delete_reason = NULL, updated_at = now()"
        // A page read again (the overlap) changes nothing.
        " WHERE d.update_time IS DISTINCT FROM EXCLUDED.update_time OR d.deleted_at IS NOT NULL"
        " OR d.archived_at IS DISTINCT FROM EXCLUDED.archived_at RETURNING " +
        std::string(kDealColumns) +
        ") SELECT w.*, b.status, b.stage_id FROM written w LEFT JOIN before b ON b.pipedrive_id ="
        " w.pipedrive_id";
    const auto result = co_await tx.query(sql, pg::Params(json::value(std::move(rows))));
    for (auto r : result)
      out.deals.push_back({deal_from(r), r.get<std::optional<std::string>>(kDealColumnCount),
                           r.get<std::optional<Uuid>>(kDealColumnCount + 1)});
    co_await enter_stages(tx, out.deals);
    std::sort(stages.begin(), stages.end());
    stages.erase(std::unique(stages.begin(), stages.end()), stages.end());
    const auto unknown = co_await tx.query(
        "SELECT array_agg(i)::text FROM unnest($1::bigint[]) AS i WHERE NOT EXISTS"
        " (SELECT 1 FROM stages s WHERE s.pipedrive_id = i)",
        pg::Params(stages));
    if (auto ids = unknown.one().get<std::optional<std::string>>(0))
      out.problems.push_back("deals in stages not mirrored: " + *ids);
  }
  if (!deleted.empty()) {
    const auto result = co_await tx.query(
        "UPDATE deals d SET deleted_at = now(), delete_reason = 'deleted in Pipedrive',"
        " updated_at = now() WHERE d.pipedrive_id = ANY($1::bigint[]) AND d.deleted_at IS NULL"
        " RETURNING " +
            std::string(kDealColumns) + ", d.status, d.stage_id",
        pg::Params(deleted));
    for (auto r : result)
      out.deals.push_back({deal_from(r), r.get<std::optional<std::string>>(kDealColumnCount),
                           r.get<std::optional<Uuid>>(kDealColumnCount + 1)});
  }
  out.written = out.deals.size();
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::notes(pg::Transaction& tx,
                                               const std::vector<pipedrive::Note>& items) {
  auto rows = note_rows(items);
  const auto result = co_await tx.query(
      "INSERT INTO notes AS n (entity_type, entity_id, content, content_text, pipedrive_id,"
      " pipedrive_author_id, author_id, created_at, updated_at, deleted_at)"
      " SELECT CASE WHEN d.id IS NOT NULL THEN 'deal' WHEN c.id IS NOT NULL THEN 'contact'"
      " ELSE 'company' END, coalesce(d.id, c.id, co.id), i.content, i.text, i.id,"
      " u.pipedrive_id, u.user_id, i.added, i.updated, CASE WHEN NOT i.active THEN now() END"
      " FROM jsonb_to_recordset($1::jsonb) AS i (id bigint, content text, text text,"
      " deal_pd bigint, person_pd bigint, org_pd bigint, user_pd bigint, added timestamptz,"
      " updated timestamptz, active boolean)"
      " LEFT JOIN deals d ON d.pipedrive_id = i.deal_pd"
      " LEFT JOIN contacts c ON c.pipedrive_id = i.person_pd"
      " LEFT JOIN companies co ON co.pipedrive_id = i.org_pd"
      " LEFT JOIN pipedrive_users u ON u.pipedrive_id = i.user_pd"
      " WHERE coalesce(d.id, c.id, co.id) IS NOT NULL"
      " ON CONFLICT (pipedrive_id) DO UPDATE SET entity_type = EXCLUDED.entity_type,"
      " entity_id = EXCLUDED.entity_id, content = EXCLUDED.content,"
      " content_text = EXCLUDED.content_text, updated_at = EXCLUDED.updated_at,"
      " deleted_at = CASE WHEN EXCLUDED.deleted_at IS NULL THEN NULL ELSE"
      " coalesce(n.deleted_at, now()) END"
      " WHERE n.updated_at IS DISTINCT FROM EXCLUDED.updated_at"
      " OR (n.deleted_at IS NULL) <> (EXCLUDED.deleted_at IS NULL) RETURNING 1",
      pg::Params(json::value(std::move(rows))));
  MirrorWrite out;
  out.written = static_cast<std::size_t>(count_of(result));
  co_return out;
}

asio::awaitable<MirrorWrite> DealMirror::purge_missing(pg::Transaction& tx,
                                                       const std::vector<std::int64_t>& ids) {
  const auto result = co_await tx.query(
      "UPDATE deals d SET deleted_at = now(), delete_reason = 'purged from Pipedrive',"
      " updated_at = now() WHERE d.pipedrive_id IS NOT NULL AND d.deleted_at IS NULL"
      " AND NOT d.pipedrive_id = ANY($1::bigint[]) RETURNING " +
          std::string(kDealColumns) + ", d.status, d.stage_id",
      pg::Params(ids));
  MirrorWrite out;
  for (auto r : result)
    out.deals.push_back({deal_from(r), r.get<std::optional<std::string>>(kDealColumnCount),
                         r.get<std::optional<Uuid>>(kDealColumnCount + 1)});
  out.written = out.deals.size();
  co_return out;
}

}  // namespace crmd::storage
