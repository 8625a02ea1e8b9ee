// Pipelines and stages (admins change them), and the read models over a
// pipeline's deals: overdue, stuck, order received, compliance, cashflow,
// inactive, recent summary; the owners' KPIs and the caller's day.
#include "actors/deals.hpp"
#include "domain/common/date.hpp"
#include "domain/deals/cashflow.hpp"
#include "domain/deals/focus.hpp"
#include "domain/deals/kpis.hpp"
#include "domain/deals/money.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/operation.hpp"
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

namespace {

using LineJson =
    std::function<void(const storage::DealLine&, const actors::DealLines&, boost::json::object&)>;

// A page of a read model: each deal with its stage and owner names, its
// health, and what the model says of it.
Response lines_response(const Request& request, const http::KeysetPage& page,
                        const actors::DealService& deals, const actors::DealLines& lines,
                        const LineJson& extra) {
  boost::json::array results;
  const auto [first, last] = page.shown(lines.rows.size());
  for (auto i = first; i < last; ++i) {
    const auto& line = lines.rows[i].item;
    auto o = deals::to_json(line.deal);
    o["stage_name"] = line.stage_name;
    o["owner_name"] =
        line.owner_name ? boost::json::value(*line.owner_name) : boost::json::value(nullptr);
    o["health"] = deals.health_of(line.deal, *lines.reference, lines.today, lines.now);
    if (extra) extra(line, lines, o);
    results.push_back(std::move(o));
  }
  const auto edge = [&](std::size_t i) {
    return http::KeysetPage::Edge{lines.rows[i].sort_key, lines.rows[i].item.deal.id};
  };
  boost::json::object more;
  more["today"] = format_date(lines.today);
  return page.respond(request, JsonText::of_tree(boost::json::value(std::move(results))),
                      last - first, lines.rows.size(),
                      first < last ? edge(first) : http::KeysetPage::Edge{},
                      first < last ? edge(last - 1) : http::KeysetPage::Edge{}, std::nullopt, more);
}

schema::Schema line_schema(const char* title, schema::Object extra) {
  auto s = schema::schema_of<deals::Deal>();
  auto built = extra.build();
  s["title"] = title;
  auto& properties = s["properties"].as_object();
  auto& required = s["required"].as_array();
  properties["stage_name"] = schema::string();
  properties["owner_name"] = schema::nullable(schema::string());
  properties["health"] = deals::deal_health_schema();
  required.emplace_back("stage_name");
  required.emplace_back("owner_name");
  required.emplace_back("health");
  for (const auto& [name, field] : built["properties"].as_object()) {
    properties[name] = field;
    required.emplace_back(name);
  }
  return s;
}

schema::Schema lines_page(const char* title, schema::Object extra) {
  auto s = page_of(line_schema(title, std::move(extra)));
  s["properties"].as_object()["today"] = schema::described(schema::string(10), "YYYY-MM-DD");
  return s;
}

schema::Schema pipeline_reference_schema() {
  using namespace schema;
  return Object("PipelineWithStages")
      .field("pipeline", schema_of<deals::Pipeline>())
      .field("stages", array(schema_of<deals::Stage>()));
}

boost::json::object with_stages(const deals::Pipeline& p, const actors::DealReference& r) {
  boost::json::object o;
  o["pipeline"] = deals::to_json(p);
  boost::json::array stages;
  for (const auto* s : r.stages_of(p.id)) stages.push_back(deals::to_json(*s));
  o["stages"] = std::move(stages);
  return o;
}

schema::Schema recent_summary_schema() {
  using namespace schema;
  const auto totals = array(Object("RecentTotals")
                                .field("currency", string(3))
                                .field("deals", integer(0))
                                .field("value", deals::money_schema()));
  return Object("RecentSummary")
      .field("pipeline_id", uuid())
      .field("days", integer(1))
      .field("since", timestamp())
      .field("created", totals)
      .field("moved", totals, "entered a stage other than their first")
      .field("won", totals)
      .field("lost", totals);
}

using ReadModel = std::function<asio::awaitable<actors::DealLines>(
    actors::DealService&, const Uuid&, const Request&, const http::KeysetPage&)>;

}  // namespace

void add_pipeline_routes(http::Router& router, actors::DealService& deals) {
  // ---- pipelines
  router.add(verb::get, "/api/v2/pipelines", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               const auto reference = co_await deals.reference();
               boost::json::array out;
               for (const auto& p : reference->pipelines) out.push_back(with_stages(p, *reference));
               boost::json::object body;
               body["results"] = std::move(out);
               co_return http::json_response(request, status::ok, std::move(body));
             },
             {.doc = op("listPipelines", "Every pipeline with its stages, in order")
                         .tag("pipelines")
                         .ok(schema::Object("PipelineList")
                                 .field("results", schema::array(pipeline_reference_schema())))});

  router.add(verb::post, "/api/v2/pipelines", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               auto body = deals::parse_new_pipeline(http::parse_json_body(request));
               auto made = co_await deals.create_pipeline(std::move(body), request.context());
               co_return http::record_response(request, status::created, deals::to_json(made),
                                               made.updated_at);
             },
             {.idempotent_create = true,
              .doc = op("createPipeline", "Create a pipeline")
                         .tag("pipelines")
                         .json_body(deals::new_pipeline_schema())
                         .created(schema::schema_of<deals::Pipeline>())});

  router.add(verb::get, "/api/v2/pipelines/{id}", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown({});
               const auto id = request.path_uuid("id", "pipeline");
               const auto reference = co_await deals.reference();
               const auto* p = reference->pipeline(id);
               if (!p) throw Error(ErrorKind::not_found, "not_found", "no such pipeline");
               co_return http::record_response(request, status::ok, with_stages(*p, *reference),
                                               p->updated_at);
             },
             {.doc = op("getPipeline", "A pipeline with its stages")
                         .tag("pipelines")
                         .ok(pipeline_reference_schema())});

  router.add(verb::patch, "/api/v2/pipelines/{id}", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "pipeline");
               auto changes = deals::parse_pipeline_changes(http::parse_json_body(request));
               auto p = co_await deals.update_pipeline(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, deals::to_json(p),
                                               p.updated_at);
             },
             {.doc = op("updatePipeline", "Change a pipeline (not a mirrored one)")
                         .tag("pipelines")
                         .header("If-Match", schema::string())
                         .json_body(deals::pipeline_changes_schema())
                         .ok(schema::schema_of<deals::Pipeline>())
                         .errors({409, 412})});

  router.add(verb::delete_, "/api/v2/pipelines/{id}", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               co_await deals.delete_pipeline(request.path_uuid("id", "pipeline"),
                                              request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deletePipeline", "Delete a pipeline without deals, and its stages")
                         .tag("pipelines")
                         .header("If-Match", schema::string())
                         .no_content()
                         .errors({409, 412})});

  // ---- stages
  router.add(verb::post, "/api/v2/stages", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               auto body = deals::parse_new_stage(http::parse_json_body(request));
               auto made = co_await deals.create_stage(std::move(body), request.context());
               co_return http::record_response(request, status::created, deals::to_json(made),
                                               made.updated_at);
             },
             {.idempotent_create = true,
              .doc = op("createStage", "Add a stage to a pipeline")
                         .tag("pipelines")
                         .json_body(deals::new_stage_schema())
                         .created(schema::schema_of<deals::Stage>())
                         .errors({409})});

  router.add(
      verb::get, "/api/v2/stages/{id}", Access::sales,
      [&deals](Request& request) -> asio::awaitable<Response> {
        request.query().reject_unknown({});
        const auto id = request.path_uuid("id", "stage");
        const auto reference = co_await deals.reference();
        const auto* s = reference->stage(id);
        if (!s) throw Error(ErrorKind::not_found, "not_found", "no such stage");
        co_return http::record_response(request, status::ok, deals::to_json(*s), s->updated_at);
      },
      {.doc = op("getStage", "A stage").tag("pipelines").ok(schema::schema_of<deals::Stage>())});

  router.add(verb::patch, "/api/v2/stages/{id}", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "stage");
               auto changes = deals::parse_stage_changes(http::parse_json_body(request));
               auto s = co_await deals.update_stage(id, std::move(changes), request.context());
               co_return http::record_response(request, status::ok, deals::to_json(s),
                                               s.updated_at);
             },
             {.doc = op("updateStage",
                        "Change a stage; on a mirrored one only order_received and "
                        "required_fields (crmd's own)")
                         .tag("pipelines")
                         .header("If-Match", schema::string())
                         .json_body(deals::stage_changes_schema())
                         .ok(schema::schema_of<deals::Stage>())
                         .errors({409, 412})});

  router.add(verb::delete_, "/api/v2/stages/{id}", Access::admin,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto query = request.query();
               static constexpr std::array<std::string_view, 1> kAllowed{"move_to"};
               query.reject_unknown(kAllowed);
               co_await deals.delete_stage(request.path_uuid("id", "stage"), query.uuid("move_to"),
                                           request.context());
               co_return http::no_content(request);
             },
             {.doc = op("deleteStage",
                        "Delete a stage; one with deals only with move_to, the stage they go to")
                         .tag("pipelines")
                         .header("If-Match", schema::string())
                         .query("move_to", schema::uuid())
                         .no_content()
                         .errors({409, 412})});

  // ---- read models
  const auto add_model = [&router, &deals](const char* path, std::vector<std::string_view> params,
                                           ReadModel read, LineJson extra, openapi::Operation doc) {
    router.add(verb::get, std::string("/api/v2/pipelines/{id}/") + path, Access::sales,
               [&deals, params, read, extra, path](Request& request) -> asio::awaitable<Response> {
                 request.query().reject_unknown(http::kPageParameters, params);
                 const auto pipeline = request.path_uuid("id", "pipeline");
                 const http::KeysetPage page(
                     request, http::query_fingerprint(
                                  request, std::string(path) + "|" + pipeline.str(), params));
                 auto lines = co_await read(deals, pipeline, request, page);
                 co_return lines_response(request, page, deals, lines, extra);
               },
               {.doc = std::move(doc.tag("deal health").query(page_params()))});
  };

  add_model(
      "overdue", {"min_days"},
      [](actors::DealService& d, const Uuid& p, const Request& r, const http::KeysetPage& page) {
        const auto min_days = static_cast<int>(r.query().integer("min_days", 7, 1, 3650));
        return d.overdue(p, min_days, page.fetch_limit(), page.position(), r.context());
      },
      [](const storage::DealLine& l, const actors::DealLines& lines, boost::json::object& o) {
        o["overdue_days"] =
            deals::overdue_days(l.deal.expected_close_date, l.deal.status, lines.today).value_or(0);
      },
      op("listOverdueDeals",
         "Open deals past their expected close date by at least min_days, most overdue first")
          .query("min_days", schema::integer(1, 3650), "default 7")
          .ok(lines_page("OverdueDeal",
                         schema::Object().field("overdue_days", schema::integer(1)))));

  add_model(
      "stuck", {},
      [](actors::DealService& d, const Uuid& p, const Request& r, const http::KeysetPage& page) {
        return d.stuck(p, page.fetch_limit(), page.position(), r.context());
      },
      {},
      op("listStuckDeals",
         "Open deals longer in their stage than its threshold (days_to_rotten, else "
         "CRMD_DEALS_STUCK_DAYS), longest first; health.stuck names the rule")
          .ok(lines_page("StuckDeal", schema::Object())));

  add_model(
      "order-received", {},
      [](actors::DealService& d, const Uuid& p, const Request& r, const http::KeysetPage& page) {
        return d.order_received(p, page.fetch_limit(), page.position(), r.context());
      },
      [](const storage::DealLine& l, const actors::DealLines& lines, boost::json::object& o) {
        o["days_since_order"] = deals::whole_days(l.deal.stage_entered_at, lines.now);
        o["invoicing_month"] = l.deal.expected_close_date
                                   ? boost::json::value(format_month(*l.deal.expected_close_date))
                                   : boost::json::value(nullptr);
      },
      op("listOrderReceivedDeals",
         "Open deals in stages flagged order_received: days since they entered it and the month "
         "they are expected to be invoiced (their expected close date's)")
          .ok(lines_page("OrderReceivedDeal",
                         schema::Object()
                             .field("days_since_order", schema::integer(0))
                             .field("invoicing_month", schema::nullable(schema::string(7))))));

  add_model(
      "compliance", {},
      [](actors::DealService& d, const Uuid& p, const Request& r, const http::KeysetPage& page) {
        return d.incomplete(p, page.fetch_limit(), page.position(), r.context());
      },
      [](const storage::DealLine& l, const actors::DealLines& lines, boost::json::object& o) {
        const auto* stage = lines.reference->stage(l.deal.stage_id);
        boost::json::array missing;
        if (stage)
          for (const auto& f : deals::missing_fields(stage->required_fields, o))
            missing.emplace_back(f);
        o["missing_fields"] = std::move(missing);
      },
      op("listNonCompliantDeals",
         "Open deals missing a field their stage's checklist (required_fields) asks for")
          .ok(lines_page(
              "NonCompliantDeal",
              schema::Object().field("missing_fields", schema::array(schema::string())))));

  add_model(
      "inactive", {"days"},
      [](actors::DealService& d, const Uuid& p, const Request& r, const http::KeysetPage& page) {
        const auto days = static_cast<int>(r.query().integer("days", 14, 1, 3650));
        return d.inactive(p, days, page.fetch_limit(), page.position(), r.context());
      },
      [](const storage::DealLine& l, const actors::DealLines& lines, boost::json::object& o) {
        o["days_inactive"] = deals::whole_days(l.deal.update_time, lines.now);
      },
      op("listInactiveDeals",
         "Open deals with no update, note or past calendar event for `days`, longest first")
          .query("days", schema::integer(1, 3650), "default 14")
          .ok(lines_page("InactiveDeal",
                         schema::Object().field("days_inactive", schema::integer(0)))));

  router.add(verb::get, "/api/v2/pipelines/{id}/cashflow-projection", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto query = request.query();
               static constexpr std::array<std::string_view, 1> kAllowed{"months"};
               query.reject_unknown(kAllowed);
               const auto months = static_cast<int>(query.integer("months", 6, 1, 24));
               auto out = co_await deals.cashflow(request.path_uuid("id", "pipeline"), months,
                                                  request.context());
               co_return http::json_response(request, status::ok, std::move(out));
             },
             {.doc = op("getCashflowProjection",
                        "Open deals by currency and month of expected close: best case, weighted "
                        "and commit, with slipped, later and no_date buckets and totals per "
                        "currency (never summed across currencies)")
                         .tag("deal health")
                         .query("months", schema::integer(1, 24), "default 6")
                         .ok(schema::schema_of<deals::CashflowProjection>())});

  router.add(verb::get, "/api/v2/pipelines/{id}/recent-summary", Access::sales,
             [&deals](Request& request) -> asio::awaitable<Response> {
               const auto query = request.query();
               static constexpr std::array<std::string_view, 1> kAllowed{"days"};
               query.reject_unknown(kAllowed);
               const auto days = static_cast<int>(query.integer("days", 7, 1, 365));
               auto out = co_await deals.recent_summary(request.path_uuid("id", "pipeline"), days,
                                                        request.context());
               co_return http::json_response(request, status::ok, std::move(out));
             },
             {.doc = op("getRecentSummary",
                        "Deals created, moved, won and lost in the last `days`, per currency")
                         .tag("deal health")
                         .query("days", schema::integer(1, 365), "default 7")
                         .ok(recent_summary_schema())});

  router.add(
      verb::get, "/api/v2/owners/kpis", Access::sales,
      [&deals](Request& request) -> asio::awaitable<Response> {
        const auto query = request.query();
        static constexpr std::array<std::string_view, 3> kAllowed{"from", "to", "pipeline_id"};
        query.reject_unknown(kAllowed);
        // By default the 30 days to the end of today (UTC): a window
        // that stays the same all day, so that its answer can be kept.
        const auto tomorrow =
            Timestamp(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
                      std::chrono::days(1));
        const auto to = query.timestamp("to").value_or(tomorrow);
        const auto from = query.timestamp("from").value_or(to - std::chrono::days(30));
        if (to <= from) throw invalid_query_parameter("to", "a time after from");
        if (to - from > std::chrono::days(3660))
          throw invalid_query_parameter("from", "at most 10 years before to");
        auto out =
            co_await deals.owner_kpis(from, to, query.uuid("pipeline_id"), request.context());
        co_return http::json_response(request, status::ok, std::move(out));
      },
      {.doc = op("getOwnerKpis",
                 "Per owner: open deals and value per currency, won and lost in "
                 "[from, to), win rate, average days to close, rotten, stuck and overdue "
                 "counts (sales users: their own)")
                  .tag("deal health")
                  .query("from", schema::timestamp(), "default: 30 days before to")
                  .query("to", schema::timestamp(), "default: the end of today (UTC)")
                  .query("pipeline_id", schema::uuid())
                  .ok(schema::Object("OwnerKpiReport")
                          .field("from", schema::timestamp())
                          .field("to", schema::timestamp())
                          .field("pipeline_id", schema::nullable(schema::uuid()))
                          .field("owners", schema::array(schema::schema_of<deals::OwnerKpis>())))});

  router.add(
      verb::get, "/api/v2/dashboard/today", Access::sales,
      [&deals](Request& request) -> asio::awaitable<Response> {
        request.query().reject_unknown({});
        auto out = co_await deals.today_dashboard(request.context());
        co_return http::json_response(request, status::ok, std::move(out));
      },
      {.doc = op("getTodayDashboard",
                 "The caller's focus list, most urgent first: their overdue, stuck and "
                 "rotten deals and leads past SLA, each with why it is there")
                  .tag("deal health")
                  .ok(schema::Object("TodayDashboard")
                          .field("today", schema::string(10))
                          .field("items", schema::array(schema::schema_of<deals::FocusItem>())))
                  .errors({403})});
}

}  // namespace crmd::server::routes
