// Contact imports: the upload (streamed to disk by the connection, up to
// CRMD_MAX_UPLOAD_BYTES) is kept in the blob store (moved there, or sent to
// the S3 bucket) and an import_contacts job queued; the answer is 202 with the job and where to
// follow it.
#include <boost/json/parse.hpp>

#include "domain/common/error.hpp"
#include "domain/imports/contact_rows.hpp"
#include "domain/imports/multipart.hpp"
#include "domain/jobs/job.hpp"
#include "server/http/json.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"
#include "storage/blob_file.hpp"

namespace crmd::server::routes {
namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using http::Access;
using http::Request;
using http::Response;

namespace {

Error invalid(const std::string& field, const std::string& message) {
  return Error(ErrorKind::validation, "invalid_import", field + ": " + message, {{field, message}});
}

// The job's payload from the query: mode, dry_run and an explicit mapping
// ({"CSV header": "field"} as JSON).
boost::json::object payload_of(const Request& request, const std::string& file) {
  const auto query = request.query();
  const auto mode = query.get("mode").value_or("upsert");
  if (mode != "upsert" && mode != "create_only" && mode != "update_only")
    throw invalid("mode", "expected upsert, create_only or update_only");
  boost::json::object payload{
      {"file", file}, {"mode", mode}, {"dry_run", query.boolean("dry_run", false)}};
  if (auto text = query.get("mapping")) {
    boost::system::error_code ec;
    auto mapping = boost::json::parse(*text, ec);
    const auto* object = mapping.if_object();
    const bool strings = object && std::all_of(object->begin(), object->end(), [](const auto& kv) {
                           return kv.value().is_string();
                         });
    if (ec || !strings) throw invalid("mapping", "expected a JSON object of header: field");
    http::reject_unstorable(mapping, "mapping");
    payload["mapping"] = std::move(mapping);
  }
  return payload;
}

// The upload becomes the job's file: a text/csv body as it is, the file
// part of a multipart/form-data one.
asio::awaitable<Response> start_import(Request& request, ImportContext& imports) {
  const auto type = std::string(request.message[beast_http::field::content_type]);
  const auto boundary = imports::multipart_boundary(type);
  if (!type.starts_with("text/csv") && !boundary)
    throw Error(ErrorKind::unsupported_media, "unsupported_media_type",
                "send the file as text/csv or multipart/form-data");
  if (!request.upload || request.upload->size() == 0) throw invalid("file", "the file is empty");
  const auto file = Uuid::random_v4().str() + ".csv";
  auto payload = payload_of(request, file);
  const auto path = imports.blob_dir + "/" + file;
  if (boundary)
    co_await storage::extract_multipart_file(imports.blocking, request.upload->path(), *boundary,
                                             path);
  else
    co_await request.upload->move_to(path);
  // Into the store (on S3, sent and the local copy removed).
  std::exception_ptr unstored;
  try {
    co_await imports.store.put_file(path, file);
  } catch (...) {
    unstored = std::current_exception();
  }
  if (unstored) {
    storage::remove_blob_later(imports.blocking, path);
    std::rethrow_exception(unstored);
  }
  const auto creator = jobs::creator_of(*request.principal);
  storage::NewJob job{"import_contacts", payload, creator.user, creator.key};
  // The kept file goes at once if its job is not queued (housekeeping takes
  // it later if the request's transaction fails after this).
  std::optional<jobs::Job> created;
  try {
    created = co_await imports.queue.enqueue(std::move(job), "contacts_import_started",
                                             std::move(payload), request.context());
  } catch (...) {
    imports.store.remove_later(file);
    throw;
  }
  auto response = http::json_response(request, status::accepted, jobs::to_json(*created));
  // The status URL takes the credentials the import came with: a v1 write
  // key is not a v2 bearer token.
  const bool v1 = request.route->path_template.starts_with("/api/v1/");
  const auto id = created->id.str();
  response.set(beast_http::field::location,
               v1 ? "/api/v1/contacts/import/" + id + "/" : "/api/v2/jobs/" + id);
  co_return response;
}

openapi::Operation import_operation(std::string id, std::string summary, std::string tag) {
  auto o = openapi::op(std::move(id), std::move(summary))
               .tag(std::move(tag))
               .describe(
                   "The file as text/csv, or the file part of multipart/form-data; the answer "
                   "is the job, followed at Location.")
               .query("mode", schema::one_of_strings({"upsert", "create_only", "update_only"}),
                      "default upsert")
               .query("dry_run", schema::boolean(), "validate only")
               .query("mapping", schema::string(),
                      "JSON object of CSV header to contact field, e.g. {\"Mail\": \"email\"}")
               .body_of("text/csv", schema::string(), "the CSV file")
               .accepted(schema::schema_of<jobs::Job>());
  o.body->required = true;
  return o;
}

}  // namespace

void add_import_routes(http::Router& router, ImportContext imports) {
  const auto handler = [imports](Request& request) -> asio::awaitable<Response> {
    auto context = imports;
    co_return co_await start_import(request, context);
  };
  router.add(verb::post, "/api/v2/imports/contacts", Access::manager, handler,
             {.idempotent_create = true,
              .upload = true,
              .scope = "contacts:import",
              .doc = import_operation("importContacts", "Import contacts from CSV", "imports")});
  router.add(verb::post, "/api/v1/contacts/import/", Access::write_key, handler,
             {.idempotent_create = true,
              .upload = true,
              .scope = "contacts:import",
              .doc = import_operation("importContactsV1", "Import contacts from CSV (v1)",
                                      "contacts v1")});
}

}  // namespace crmd::server::routes
