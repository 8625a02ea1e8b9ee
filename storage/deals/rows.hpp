// How deals, stages and notes are read from a row: the one column list of
// each and its decoder, shared by the repository's statements.
#pragma once

#include "domain/deals/deal.hpp"
#include "storage/pg/result.hpp"

namespace crmd::storage {

// A deal's columns (alias d), kDealColumnCount of them.
inline constexpr const char* kDealColumns =
    "d.id, d.title, (d.value * 100)::bigint, d.currency, d.status, d.pipeline_id, d.stage_id,"
    " d.owner_id, d.company_id, d.contact_id, d.lead_id, d.created_by, d.pipedrive_id,"
    " d.pipedrive_owner_id, d.expected_close_date::text, d.probability, d.lost_reason,"
    " d.add_time, d.update_time, d.stage_entered_at, d.stage_change_time, d.won_time,"
    " d.lost_time, d.close_time, d.archived_at, d.custom_fields, d.created_at, d.updated_at,"
    " d.deleted_at";
inline constexpr int kDealColumnCount = 29;
deals::Deal deal_from(const pg::Row& r, int at = 0);

inline constexpr const char* kStageColumns =
    "s.id, s.pipeline_id, s.name, s.order_nr, s.probability, s.rot_enabled, s.days_to_rotten,"
    " s.order_received, s.required_fields, s.pipedrive_id, s.created_at, s.updated_at";
deals::Stage stage_from(const pg::Row& r);

inline constexpr const char* kPipelineColumns =
    "p.id, p.name, p.order_nr, p.uses_probability, p.pipedrive_id, p.created_at, p.updated_at";
deals::Pipeline pipeline_from(const pg::Row& r);

inline constexpr const char* kNoteColumns =
    "n.id, n.entity_type, n.entity_id, n.content, n.content_text, n.author_id, n.pipedrive_id,"
    " n.created_at, n.updated_at";
deals::Note note_from(const pg::Row& r);

}  // namespace crmd::storage
