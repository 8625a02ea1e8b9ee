// Contact exports: POST queues an export_contacts job over the given ids or
// the contacts list's filters (the query string, as on GET
// /api/v2/contacts); its status long-polls like any job's and shows a
// signed download link once complete; the download answers the file
// (Range too) to the job's creator, an admin, or the holder of the link:
// streamed from the local blob store, or a 302 to a presigned URL of the S3
// one.
#include <algorithm>
#include <boost/json/array.hpp>

#include "actors/jobs/contact_export.hpp"
#include "domain/common/error.hpp"
#include "domain/common/json_of.hpp"
#include "domain/contacts/list_params.hpp"
#include "domain/exports/contact_export.hpp"
#include "domain/exports/download_token.hpp"
#include "domain/jobs/job.hpp"
#include "server/http/download.hpp"
#include "server/http/errors.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/params.hpp"
#include "server/routes/list_params.hpp"
#include "server/routes/routes.hpp"
#include "storage/blocking.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::field;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;
using openapi::op;

namespace {

constexpr const char* kKind = "export_contacts";
constexpr std::string_view kScope = "contacts:export";
// A download link works this long (and never past the export's expiry).
constexpr std::chrono::minutes kLinkLifetime{15};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error invalid(const std::string& field, const std::string& message) {
  return Error(ErrorKind::validation, "invalid_export", field + ": " + message, {{field, message}});
}

// {"ids": [...]} in the body, or the list's filters in the query string.
exports::ContactSelection selection_of(const Request& request) {
  exports::ContactSelection selection;
  const auto body = request.message.body().empty() ? boost::json::value(boost::json::object())
                                                   : http::parse_json_body(request);
  const auto* object = body.if_object();
  if (!object) throw invalid("body", "expected an object");
  // No body, or {}: everything the list's filters in the query select.
  if (object->empty()) {
    selection.query = contact_list_query(request);
    return selection;
  }
  for (const auto& [key, value] : *object)
    if (key != "ids") throw invalid(std::string(key), "unknown field");
  if (!request.url.encoded_query().empty())
    throw invalid("ids", "give ids or filters in the query string, not both");
  const auto* ids = object->if_contains("ids");
  if (!ids || !ids->is_array() || ids->get_array().empty() ||
      ids->get_array().size() > exports::kMaxExportIds)
    throw invalid("ids", "expected 1 to " + std::to_string(exports::kMaxExportIds) + " ids");
  for (const auto& value : ids->get_array()) {
    const auto* text = value.if_string();
    auto id = text ? Uuid::parse(*text) : std::nullopt;
    if (!id) throw invalid("ids", "expected UUIDs");
    selection.ids.push_back(*id);
  }
  return selection;
}

std::optional<Timestamp> expiry_of(const jobs::Job& job, std::chrono::seconds ttl) {
  if (job.status != "completed" || !job.finished_at) return std::nullopt;
  return *job.finished_at + ttl;
}

bool expired(const jobs::Job& job, std::chrono::seconds ttl) {
  const auto expiry = expiry_of(job, ttl);
  return expiry && *expiry <= std::chrono::system_clock::now();
}

asio::awaitable<Response> start_export(Request& request, ExportContext& exports) {
  const auto selection = selection_of(request);
  const auto creator = jobs::creator_of(*request.principal);
  // An export is a bulk read of personal data: audited with its selection.
  storage::NewJob job{kKind, exports::to_json(selection), creator.user, creator.key};
  auto created = co_await exports.queue.enqueue(std::move(job), "contacts_exported",
                                                exports::to_json(selection), request.context());
  auto response = http::json_response(request, status::accepted, jobs::to_json(created));
  response.set(field::location, "/api/v2/exports/" + created.id.str());
  co_return response;
}

// The status adds where and until when a complete export can be fetched.
JobDecorator download_link(const ExportContext& exports) {
  return [&exports](const Request& request, const jobs::Job& job, boost::json::object& json) {
    const auto expiry = expiry_of(job, exports.ttl);
    if (!expiry) return;
    json["expires_at"] = json_of(*expiry);
    json["expired"] = expired(job, exports.ttl);
    if (expired(job, exports.ttl)) return;
    const auto until = std::min<std::int64_t>(
        unix_now() + std::chrono::seconds(kLinkLifetime).count(),
        std::chrono::duration_cast<std::chrono::seconds>(expiry->time_since_epoch()).count());
    const auto path = "/api/v2/exports/" + job.id.str() + "/download";
    json["download_url"] = http::absolute_url(
        request, path + "?token=" + exports::sign_download(exports.link_secret, job.id, until));
  };
}

// The job a download names, for its creator or an admin (bearer) or the
// holder of a valid signed link.
asio::awaitable<jobs::Job> downloadable_job(Request& request, ExportContext& exports,
                                            const Uuid& id) {
  if (request.principal) co_return co_await visible_job(exports.jobs, request, id, kKind);
  const auto token = request.query().get("token");
  if (!token)
    throw Error(ErrorKind::unauthorized, "not_authenticated",
                "a bearer token or a signed download link is required");
  if (!exports::verify_download(exports.link_secret, id, *token, unix_now()))
    throw Error(ErrorKind::forbidden, "invalid_link", "the download link is invalid or expired");
  auto job = co_await exports.jobs.find(id);
  if (!job || job->kind != kKind) throw Error(ErrorKind::not_found, "not_found", "no such job");
  co_return *job;
}

asio::awaitable<Response> download(Request& request, ExportContext& exports) {
  const auto id = request.path_uuid("id", "export");
  const auto job = co_await downloadable_job(request, exports, id);
  if (job.status != "completed")
    throw Error(ErrorKind::conflict, "export_not_ready",
                "the export is " + job.status + ", not completed");
  const auto gone = Error(ErrorKind::gone, "export_expired", "the export has expired");
  if (expired(job, exports.ttl)) throw gone;
  const auto key = actors::export_key(job.id);
  const auto size = co_await exports.store.size(key);
  if (!size) throw gone;
  const auto file_name = "contacts-" + job.id.str() + ".csv";
  const std::string content_type = "text/csv; charset=utf-8";

  // On S3 the bytes come from the bucket itself: a presigned GET that works
  // no longer than a download link, nor past the export's expiry.
  const auto until = *expiry_of(job, exports.ttl);
  const auto left =
      std::chrono::duration_cast<std::chrono::seconds>(until - std::chrono::system_clock::now());
  const auto ttl = std::clamp<std::chrono::seconds>(left, std::chrono::seconds(1), kLinkLifetime);
  const storage::DownloadHeaders headers{content_type, http::attachment_disposition(file_name)};
  if (auto url = exports.store.presigned_get(key, ttl, headers)) {
    Response response(status::found, request.message.version());
    response.set(field::location, *url);
    response.set(field::cache_control, "no-store");
    response.prepare_payload();
    co_return response;
  }

  auto open = [&blocking = exports.blocking, path = *exports.store.local_path(key)](
                  std::uint64_t first, std::uint64_t length) {
    return http::file_source(blocking, path, first, length);
  };
  http::Download file{*size, content_type, file_name, std::move(open)};
  co_return co_await http::download_response(request, std::move(file));
}

// The job, with where and until when a complete export can be fetched.
schema::Schema export_schema() {
  auto s = schema::schema_of<jobs::Job>();
  s["title"] = "Export";
  auto& properties = s["properties"].as_object();
  properties["expires_at"] = schema::timestamp();
  properties["expired"] = schema::boolean();
  properties["download_url"] = schema::described(schema::uri(), "signed; works 15 minutes");
  s["additionalProperties"] = false;
  return s;
}

}  // namespace

void add_export_routes(http::Router& router, ExportContext exports) {
  auto context = std::make_shared<ExportContext>(std::move(exports));
  router.add(
      verb::post, "/api/v2/exports/contacts", Access::sales,
      [context](Request& request) -> asio::awaitable<Response> {
        co_return co_await start_export(request, *context);
      },
      {.idempotent_create = true,
       .scope = std::string(kScope),
       .doc =
           op("exportContacts", "Export contacts to CSV")
               .tag("exports")
               .describe(
                   "The given ids, or the contacts the list's filters in the query string select.")
               .query(openapi::contact_list_params())
               .json_body(
                   schema::Object("ExportSelection")
                       .optional("ids", schema::array(schema::uuid(), static_cast<std::int64_t>(
                                                                          exports::kMaxExportIds))),
                   false)
               .accepted(schema::schema_of<jobs::Job>())});
  router.add(verb::get, "/api/v2/exports/{id}", Access::sales,
             [context](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "export");
               auto decorate = download_link(*context);
               co_return co_await job_status(request, context->jobs, context->watchers, id, kKind,
                                             std::move(decorate));
             },
             {.scope = std::string(kScope),
              .doc = op("getExport",
                        "An export's status (long-polled), with its download link once complete")
                         .tag("exports")
                         .query("wait", schema::integer(0, 60),
                                "seconds to hold the answer until the version passes ?version=")
                         .query("version", schema::integer(0), "the version last seen")
                         .header("If-None-Match", schema::string())
                         .ok(export_schema())
                         .with_header(200, "ETag")
                         .reply(304, "Not modified since If-None-Match")
                         .errors({429})});
  router.add(verb::get, "/api/v2/exports/{id}/download", Access::bearer_or_signed,
             [context](Request& request) -> asio::awaitable<Response> {
               co_return co_await download(request, *context);
             },
             {.scope = std::string(kScope),
              .doc = op("downloadExport", "Download a complete export (Range supported)")
                         .tag("exports")
                         .query("token", schema::string(),
                                "the signed token of download_url (instead of a bearer token)")
                         .header("Range", schema::string(), "bytes=first-last")
                         .reply(200, "The CSV file", "text/csv", schema::string())
                         .reply(206, "Part of the CSV file", "text/csv", schema::string())
                         .reply(302,
                                "On an S3 blob store: the file at a presigned URL of the bucket "
                                "(Location), valid 15 minutes at most")
                         .with_header(302, "Location")
                         .errors({409, 410, 416})});
}

}  // namespace crmd::server::routes
