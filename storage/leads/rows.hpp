// The columns and row readers the lead repository's files share (a lead,
// its priority inputs, a lead's contact, its activity stats). Internal to
// storage/leads/.
#pragma once

#include "domain/leads/lead.hpp"
#include "domain/leads/scoring.hpp"
#include "storage/pg/result.hpp"

namespace crmd::storage::lead_rows {

// A lead's columns, read from "leads l"; tags and codes come with it in the
// same statement.
constexpr const char* kColumns =
    "l.id, l.legal_name, l.trade_name, l.lead_status_id,"
    " (SELECT s.code FROM lead_statuses s WHERE s.id = l.lead_status_id), l.lead_origin_id,"
    " (SELECT o.code FROM lead_origins o WHERE o.id = l.lead_origin_id), l.owner_user_id,"
    " l.qualified_company_id, l.qualified_master_deal_id, l.address_city, l.address_state,"
    " l.last_interaction_at, l.priority_score, l.disqualified_at, l.disqualification_reason,"
    " l.qualified_at, l.sla_breached_at, l.created_at, l.updated_at, l.deleted_at, l.tag_names";

constexpr int kColumnCount = 22;

// The same columns for the sales view, without the status and origin codes
// (NULL here): the leads actor fills them, and their labels, from its cache.
constexpr const char* kViewColumns =
    "l.id, l.legal_name, l.trade_name, l.lead_status_id, NULL::text, l.lead_origin_id,"
    " NULL::text, l.owner_user_id,"
    " l.qualified_company_id, l.qualified_master_deal_id, l.address_city, l.address_state,"
    " l.last_interaction_at, l.priority_score, l.disqualified_at, l.disqualification_reason,"
    " l.qualified_at, l.sla_breached_at, l.created_at, l.updated_at, l.deleted_at, l.tag_names";

// The priority score's inputs of the row of "leads" (unaliased: usable in
// an UPDATE's RETURNING as in a SELECT).
constexpr const char* kInputs =
    "coalesce((SELECT s.code FROM lead_statuses s WHERE s.id = leads.lead_status_id), ''),"
    " coalesce((SELECT o.code FROM lead_origins o WHERE o.id = leads.lead_origin_id), ''),"
    " extract(epoch FROM now() - leads.created_at)::float8 / 86400,"
    " extract(epoch FROM now() - leads.last_interaction_at)::float8 / 86400,"
    " coalesce((SELECT st.engagement_score FROM lead_activity_stats st"
    " WHERE st.lead_id = leads.id), 0),"
    " leads.tag_names, leads.disqualified_at IS NOT NULL";

constexpr const char* kContactColumns =
    "lc.contact_id, c.full_name, c.email::text, c.phone, c.title, lc.is_primary, lc.added_at";

constexpr const char* kStatsColumns =
    "st.lead_id, st.engagement_score, st.last_interaction_at, st.last_email_at, "
    "st.last_event_at, st.total_emails, st.total_events, st.total_interactions, st.created_at, "
    "st.updated_at";

leads::Lead lead_from(const pg::Row& r, int at = 0);
leads::PriorityInputs inputs_from(const pg::Row& row);
leads::LeadContact contact_from(const pg::Row& r, int at);
leads::ActivityStats stats_from(const pg::Row& r, int at);

}  // namespace crmd::storage::lead_rows
