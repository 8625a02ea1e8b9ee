// /api/v2/leads (with its tags, contacts, activity, qualification, the
// sales view and SLA breaches), /api/v2/tags, /api/v2/lead-statuses and
// /api/v2/lead-origins.
#include "actors/leads.hpp"

#include "domain/common/error.hpp"
#include "domain/contacts/list_query.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/params.hpp"
#include "server/routes/list_params.hpp"
#include "server/routes/routes.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;
using openapi::page_of;
using openapi::page_params;
using storage::Reference;

namespace {

Uuid lead_id(const Request& request) {
  return request.path_uuid("id", "lead");
}

bool may_set_owner(const Request& request) {
  return request.principal && identity::at_least(request.principal->role, identity::Role::manager);
}

constexpr std::array<std::string_view, 15> kLeadListParameters{"status",
                                                               "origin",
                                                               "tag",
                                                               "owner",
                                                               "q",
                                                               "priority_min",
                                                               "priority_max",
                                                               "created_after",
                                                               "created_before",
                                                               "interaction_after",
                                                               "interaction_before",
                                                               "include_qualified",
                                                               "include_disqualified",
                                                               "include_deleted",
                                                               "ordering"};

leads::LeadListQuery lead_list_query(const Request& request) {
  const auto query = request.query();
  query.reject_unknown(kLeadListParameters, http::kPageParameters);
  leads::LeadListQuery q;
  q.statuses = query.all("status");
  q.origins = query.all("origin");
  q.tags = query.all("tag");
  q.owners = query.uuids("owner");
  q.q = query.get("q");
  q.priority_min = query.integer("priority_min", 0, 100);
  q.priority_max = query.integer("priority_max", 0, 100);
  q.created_after = query.timestamp("created_after");
  q.created_before = query.timestamp("created_before");
  q.interaction_after = query.timestamp("interaction_after");
  q.interaction_before = query.timestamp("interaction_before");
  q.include_qualified = query.boolean("include_qualified", false);
  q.include_disqualified = query.boolean("include_disqualified", true);
  q.include_deleted = include_deleted(request);
  q.order = read_ordering(query, leads::kLeadOrderings);
  return q;
}

std::vector<openapi::Parameter> lead_list_params() {
  using openapi::flag;
  using openapi::repeated;
  using openapi::timestamp_param;
  return {repeated("status", schema::string(), "a status code"),
          repeated("origin", schema::string(), "an origin code"),
          repeated("tag", schema::string(), "a tag name"),
          repeated("owner", schema::uuid(), "the owner's user id"),
          {"q", "query", schema::string(), "words matched against the title and trade name", false},
          {"priority_min", "query", schema::integer(0, 100), "", false},
          {"priority_max", "query", schema::integer(0, 100), "", false},
          timestamp_param("created_after"),
          timestamp_param("created_before"),
          timestamp_param("interaction_after"),
          timestamp_param("interaction_before"),
          flag("include_qualified", "qualified leads too (default false)"),
          flag("include_disqualified", "disqualified leads too (default true)"),
          flag("include_deleted", "deleted leads too (admins only)"),
          openapi::ordering_param(leads::kLeadOrderings)};
}

// The fingerprint of a lead view's cursors: the view and whose leads it
// shows (a sales user's list is not a manager's).
std::string view_fingerprint(const char* view, const Request& request) {
  const auto own = actors::own_leads_only(request.context());
  return contacts::Fingerprint()
      .add("view", std::optional<std::string>(view))
      .add("owner", own ? std::vector<Uuid>{*own} : std::vector<Uuid>{})
      .digest();
}

Response lead_response(const Request& request, status code, const leads::Lead& lead) {
  return http::record_response(request, code, JsonText::of(lead), lead.updated_at);
}

Response contacts_response(const Request& request, const std::vector<leads::LeadContact>& list) {
  boost::json::array results;
  for (const auto& c : list) results.push_back(leads::to_json(c));
  return http::json_response(request, status::ok, boost::json::object{{"results", results}});
}

void add_reference_routes(http::Router& router, actors::LeadService& leads, Reference which,
                          const std::string& path) {
  const bool is_status = which == Reference::statuses;
  const std::string noun = is_status ? "LeadStatus" : "LeadOrigin";
  const std::string plural = is_status ? "LeadStatuses" : "LeadOrigins";
  const std::string words = is_status ? "lead status" : "lead origin";
  const std::string words_plural = is_status ? "lead statuses" : "lead origins";
  router.add(verb::get, path, Access::sales,
             [&leads, which, is_status](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               auto items = co_await leads.references(which);
               co_return http::page_of_all(
                   request, is_status ? "lead-statuses" : "lead-origins", items,
                   [](const leads::ReferenceItem& item) { return item.id; },
                   [is_status](const leads::ReferenceItem& item) {
                     return leads::to_json(item, is_status);
                   });
             },
             {.doc = op("list" + plural, "List " + words_plural)
                         .tag("lead settings")
                         .query(page_params())
                         .ok(page_of(leads::reference_schema(is_status)))});
  router.add(verb::post, path, Access::admin,
             [&leads, which, is_status, path](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_reference(body, true, is_status);
               auto item =
                   co_await leads.create_reference(which, std::move(changes), request.context());
               auto response =
                   http::json_response(request, status::created, leads::to_json(item, is_status));
               response.set(beast_http::field::location, path + "/" + item.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("create" + noun, "Create a " + words)
                         .tag("lead settings")
                         .json_body(leads::reference_input_schema(is_status, true))
                         .created(leads::reference_schema(is_status))});
  router.add(verb::patch, path + "/{id}", Access::admin,
             [&leads, which, is_status](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", is_status ? "lead status" : "lead origin");
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_reference(body, false, is_status);
               auto item = co_await leads.update_reference(which, id, std::move(changes),
                                                           request.context());
               co_return http::json_response(request, status::ok, leads::to_json(item, is_status));
             },
             {.doc = op("update" + noun, "Change a " + words)
                         .tag("lead settings")
                         .json_body(leads::reference_input_schema(is_status, false))
                         .ok(leads::reference_schema(is_status))});
}

void add_tag_routes(http::Router& router, actors::LeadService& leads) {
  router.add(verb::get, "/api/v2/tags", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               auto tags = co_await leads.tags();
               co_return http::page_of_all(
                   request, "tags", tags, [](const leads::Tag& tag) { return tag.id; },
                   [](const leads::Tag& tag) { return leads::to_json(tag); });
             },
             {.doc = op("listTags", "List tags")
                         .tag("lead settings")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<leads::Tag>()))});
  router.add(verb::post, "/api/v2/tags", Access::manager,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_tag(body, true);
               auto tag = co_await leads.create_tag(std::move(changes), request.context());
               auto response = http::json_response(request, status::created, leads::to_json(tag));
               response.set(beast_http::field::location, "/api/v2/tags/" + tag.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createTag", "Create a tag")
                         .tag("lead settings")
                         .json_body(leads::tag_input_schema(true))
                         .created(schema::schema_of<leads::Tag>())});
  router.add(verb::patch, "/api/v2/tags/{id}", Access::manager,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "tag");
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_tag(body, false);
               auto tag = co_await leads.update_tag(id, std::move(changes), request.context());
               co_return http::json_response(request, status::ok, leads::to_json(tag));
             },
             {.doc = op("updateTag", "Change a tag")
                         .tag("lead settings")
                         .json_body(leads::tag_input_schema(false))
                         .ok(schema::schema_of<leads::Tag>())});
  router.add(verb::delete_, "/api/v2/tags/{id}", Access::manager,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "tag");
               co_await leads.delete_tag(id, request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteTag", "Delete a tag").tag("lead settings").no_content()});
}

}  // namespace

void add_lead_routes(http::Router& router, actors::LeadService& leads) {
  add_reference_routes(router, leads, Reference::statuses, "/api/v2/lead-statuses");
  add_reference_routes(router, leads, Reference::origins, "/api/v2/lead-origins");
  add_tag_routes(router, leads);

  // Before /api/v2/leads/{id}: the first matching route wins.
  router.add(verb::get, "/api/v2/leads/sales-view", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const http::KeysetPage page(request, view_fingerprint("sales", request));
               auto rows = co_await leads.sales_view(page.fetch_limit(), page.position(),
                                                     request.context());
               co_return page.respond(request, rows);
             },
             {.doc = op("getSalesView", "The sales team's working list of leads")
                         .tag("leads")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<leads::SalesViewRow>()))});

  router.add(verb::get, "/api/v2/leads/sla-breaches", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const http::KeysetPage page(request, view_fingerprint("sla-breaches", request));
               auto rows = co_await leads.sla_breaches(page.fetch_limit(), page.position(),
                                                       request.context());
               co_return page.respond(request, rows);
             },
             {.doc = op("listSlaBreaches", "Leads past their status's SLA without interaction")
                         .tag("leads")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<storage::SlaBreach>()))});

  router.add(verb::get, "/api/v2/leads", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               auto query = lead_list_query(request);
               query.visible_to = actors::own_leads_only(request.context());
               const http::KeysetPage page(request, query.fingerprint());
               auto rows = co_await leads.list(query, page.fetch_limit(), page.position(),
                                               request.context());
               co_return page.respond(request, rows);
             },
             {.doc = op("listLeads", "List leads (a sales user's own)")
                         .tag("leads")
                         .query(lead_list_params())
                         .query(page_params())
                         .ok(page_of(schema::schema_of<leads::Lead>()))});

  router.add(verb::post, "/api/v2/leads", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_lead(body, true, may_set_owner(request));
               auto lead = co_await leads.create(std::move(changes), request.context());
               auto response = lead_response(request, status::created, lead);
               response.set(beast_http::field::location, "/api/v2/leads/" + lead.id.str());
               co_return response;
             },
             {.idempotent_create = true,
              .doc = op("createLead", "Create a lead")
                         .tag("leads")
                         .json_body(leads::lead_input_schema(true))
                         .created(schema::schema_of<leads::Lead>())
                         .with_header(201, "ETag")});

  router.add(
      verb::get, "/api/v2/leads/{id}", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const bool deleted = include_deleted(request);
        auto lead = co_await leads.get(id, deleted, request.context());
        co_return lead_response(request, status::ok, lead);
      },
      {.doc = op("getLead", "Get a lead")
                  .tag("leads")
                  .query({openapi::flag("include_deleted", "a deleted lead too (admins only)")})
                  .ok(schema::schema_of<leads::Lead>())
                  .with_header(200, "ETag")});

  router.add(verb::patch, "/api/v2/leads/{id}", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               const auto body = http::parse_json_body(request);
               auto changes = leads::parse_lead(body, false, may_set_owner(request));
               auto lead = co_await leads.update(id, std::move(changes), request.context());
               co_return lead_response(request, status::ok, lead);
             },
             {.doc = op("updateLead", "Change a lead")
                         .tag("leads")
                         .json_body(leads::lead_input_schema(false))
                         .ok(schema::schema_of<leads::Lead>())
                         .with_header(200, "ETag")});

  router.add(verb::delete_, "/api/v2/leads/{id}", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               co_await leads.remove(lead_id(request), request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteLead", "Delete a lead (soft)").tag("leads").no_content()});

  router.add(verb::post, "/api/v2/leads/{id}/qualify", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               leads::QualifyRequest qualify;
               if (!request.message.body().empty())
                 qualify = leads::parse_qualify(http::parse_json_body(request));
               auto lead = co_await leads.qualify(id, std::move(qualify), request.context());
               co_return lead_response(request, status::ok, lead);
             },
             {.doc = op("qualifyLead", "Qualify a lead: link or create its company and a deal")
                         .tag("leads")
                         .json_body(leads::qualify_schema(), false)
                         .ok(schema::schema_of<leads::Lead>())
                         .errors({409})});

  router.add(verb::post, "/api/v2/leads/{id}/disqualify", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               auto reason = leads::parse_disqualify(http::parse_json_body(request));
               auto lead = co_await leads.disqualify(id, std::move(reason), request.context());
               co_return lead_response(request, status::ok, lead);
             },
             {.doc = op("disqualifyLead", "Disqualify a lead, with a reason")
                         .tag("leads")
                         .json_body(leads::disqualify_schema())
                         .ok(schema::schema_of<leads::Lead>())
                         .errors({409})});

  router.add(verb::post, "/api/v2/leads/{id}/restore", Access::admin,
             [&leads](Request& request) -> asio::awaitable<Response> {
               auto lead = co_await leads.restore(lead_id(request), request.context());
               co_return lead_response(request, status::ok, lead);
             },
             {.doc = op("restoreLead", "Restore a deleted lead")
                         .tag("leads")
                         .ok(schema::schema_of<leads::Lead>())});

  router.add(verb::put, "/api/v2/leads/{id}/tags", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               auto set = leads::parse_tag_set(http::parse_json_body(request));
               auto lead = co_await leads.set_lead_tags(id, std::move(set), request.context());
               co_return lead_response(request, status::ok, lead);
             },
             {.doc = op("setLeadTags", "Replace a lead's tags")
                         .tag("leads")
                         .json_body(leads::tag_set_schema())
                         .ok(schema::schema_of<leads::Lead>())});

  router.add(
      verb::post, "/api/v2/leads/{id}/tags/{tag_id}", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const auto tag = request.path_uuid("tag_id", "tag");
        auto lead = co_await leads.add_lead_tag(id, tag, request.context());
        co_return lead_response(request, status::ok, lead);
      },
      {.doc = op("addLeadTag", "Tag a lead").tag("leads").ok(schema::schema_of<leads::Lead>())});

  router.add(
      verb::delete_, "/api/v2/leads/{id}/tags/{tag_id}", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const auto tag = request.path_uuid("tag_id", "tag");
        auto lead = co_await leads.remove_lead_tag(id, tag, request.context());
        co_return lead_response(request, status::ok, lead);
      },
      {.doc =
           op("removeLeadTag", "Untag a lead").tag("leads").ok(schema::schema_of<leads::Lead>())});

  router.add(verb::get, "/api/v2/leads/{id}/contacts", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(http::kPageParameters);
               const auto id = lead_id(request);
               auto list = co_await leads.contacts(id, request.context());
               co_return http::page_of_all(
                   request, "lead-contacts:" + id.str(), list,
                   [](const leads::LeadContact& c) { return c.contact_id; },
                   [](const leads::LeadContact& c) { return leads::to_json(c); });
             },
             {.doc = op("listLeadContacts", "A lead's contacts")
                         .tag("leads")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<leads::LeadContact>()))});

  router.add(
      verb::post, "/api/v2/leads/{id}/contacts", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const auto body = http::parse_json_body(request);
        FieldReader reader(body, {"contact_id", "is_primary"});
        const auto contact = reader.uuid("contact_id", true);
        const auto primary = reader.boolean("is_primary").value_or(false);
        reader.finish();
        auto list = co_await leads.add_contact(id, *contact, primary, request.context());
        auto response = contacts_response(request, list);
        response.result(status::created);
        co_return response;
      },
      {.idempotent_create = true,
       .doc = op("addLeadContact", "Add a contact to a lead")
                  .tag("leads")
                  .json_body(schema::Object("LeadContactLink")
                                 .field("contact_id", schema::uuid())
                                 .optional("is_primary", schema::boolean()))
                  .created(
                      schema::Object("LeadContactList")
                          .field("results", schema::array(schema::schema_of<leads::LeadContact>())))
                  .errors({409})});

  router.add(
      verb::delete_, "/api/v2/leads/{id}/contacts/{contact_id}", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const auto contact = request.path_uuid("contact_id", "contact");
        co_await leads.remove_contact(id, contact, request.context());
        co_return http::no_content(request);
      },
      {.doc = op("removeLeadContact", "Remove a contact from a lead").tag("leads").no_content()});

  router.add(verb::put, "/api/v2/leads/{id}/contacts/{contact_id}/primary", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               const auto contact = request.path_uuid("contact_id", "contact");
               auto list = co_await leads.set_primary_contact(id, contact, request.context());
               co_return contacts_response(request, list);
             },
             {.doc = op("setPrimaryLeadContact", "Make a contact the lead's primary one")
                         .tag("leads")
                         .ok(schema::Object("LeadContactList")
                                 .field("results",
                                        schema::array(schema::schema_of<leads::LeadContact>())))});

  router.add(verb::get, "/api/v2/leads/{id}/activities", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto id = lead_id(request);
               const http::KeysetPage page(request, "activities:" + id.str());
               auto rows = co_await leads.activities(id, page.fetch_limit(), page.position(),
                                                     request.context());
               co_return page.respond(request, rows);
             },
             {.doc = op("listLeadActivities", "A lead's activities, newest first")
                         .tag("leads")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<leads::Activity>()))});

  router.add(
      verb::post, "/api/v2/leads/{id}/activities", Access::sales,
      [&leads](Request& request) -> asio::awaitable<Response> {
        const auto id = lead_id(request);
        const auto now =
            std::chrono::time_point_cast<Timestamp::duration>(std::chrono::system_clock::now());
        auto activity = leads::parse_activity(http::parse_json_body(request), now);
        auto logged = co_await leads.log_activity(id, std::move(activity), request.context());
        co_return http::json_response(request, status::created, leads::to_json(logged));
      },
      {.idempotent_create = true,
       .doc = op("logLeadActivity", "Log a call, note, e-mail or event")
                  .tag("leads")
                  .json_body(leads::new_activity_schema())
                  .created(schema::schema_of<leads::Activity>())});

  router.add(verb::get, "/api/v2/leads/{id}/activity", Access::sales,
             [&leads](Request& request) -> asio::awaitable<Response> {
               auto stats = co_await leads.stats(lead_id(request), request.context());
               co_return http::json_response(request, status::ok, leads::to_json(stats));
             },
             {.doc = op("getLeadActivityStats", "A lead's engagement figures")
                         .tag("leads")
                         .ok(schema::schema_of<leads::ActivityStats>())});
}

// GET /api/v2/audit?entity_type=&entity_id=: newest first, cursor pages.
void add_audit_routes(http::Router& router, actors::LeadService& leads) {
  router.add(verb::get, "/api/v2/audit", Access::manager,
             [&leads](Request& request) -> asio::awaitable<Response> {
               const auto query = request.query();
               static constexpr std::array<std::string_view, 2> kAuditParameters{"entity_type",
                                                                                 "entity_id"};
               query.reject_unknown(kAuditParameters, http::kPageParameters);
               const auto entity_type = query.get("entity_type");
               if (!entity_type || entity_type->empty())
                 throw invalid_query_parameter("entity_type", "is required");
               const auto entity_id = query.get("entity_id");
               const http::KeysetPage page(
                   request, "audit:" + *entity_type + "\x1f" + entity_id.value_or(""));
               auto rows = co_await leads.audit(*entity_type, entity_id, page.position(),
                                                page.fetch_limit());
               co_return page.respond(request, rows);
             },
             {.doc = op("listAudit", "The audit log of an entity, newest first")
                         .tag("audit")
                         .query("entity_type", schema::string(), "e.g. contact, lead, user", true)
                         .query("entity_id", schema::string())
                         .query(page_params())
                         .ok(page_of(schema::schema_of<storage::AuditRow>()))});
}

}  // namespace crmd::server::routes
