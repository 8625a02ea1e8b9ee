// The drive, /api/v2/drive: a record's folder tree (made on first use),
// folders, files (uploads streamed to disk, downloads streamed with Range),
// search, and the templates new trees are made from (admins).
#include "actors/drive.hpp"

#include "actors/drive_local.hpp"
#include "domain/drive/names.hpp"
#include "domain/imports/multipart.hpp"
#include "server/http/download.hpp"
#include "server/http/json.hpp"
#include "server/http/pagination.hpp"
#include "server/openapi/operation.hpp"
#include "server/routes/routes.hpp"
#include "storage/blob_file.hpp"
#include "storage/blocking.hpp"

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

constexpr std::string_view kReadScope = "drive:read";
constexpr std::string_view kWriteScope = "drive:write";
// Google is read 8 MiB at a time, a multiple of 256 KiB.
constexpr std::uint64_t kRemoteChunk = 8 * 1024 * 1024;

constexpr std::array<std::string_view, 1> kListingParameters{"include_deleted"};
constexpr std::array<std::string_view, 4> kSearchParameters{"q", "entity_type", "entity_id",
                                                            "mime_type"};

drive::EntityType entity_type(const Request& request) {
  const auto type = drive::parse_entity_type(request.path_param("entity_type"));
  if (!type) throw Error(ErrorKind::not_found, "not_found", "no such record type");
  return *type;
}

actors::ListingRequest listing_request(const Request& request, const http::KeysetPage& page) {
  const auto query = request.query();
  query.reject_unknown(http::kPageParameters, kListingParameters);
  const bool include_deleted = query.boolean("include_deleted", false);
  if (include_deleted && !at_least(request.principal->role, identity::Role::manager))
    throw Error(ErrorKind::forbidden, "forbidden", "only managers and admins see deleted items");
  return {include_deleted, page.fetch_limit(), page.position()};
}

std::string listing_fingerprint(const Request& request, const Uuid& id) {
  return "drive:" + id.str() + (request.query().boolean("include_deleted", false) ? ":d" : "");
}

Response listing_response(const Request& request, const http::KeysetPage& page,
                          const actors::DriveListing& listing) {
  boost::json::object extra{{"folder", drive::to_json(listing.folder)},
                            {"breadcrumbs", drive::to_json(listing.breadcrumbs)},
                            {"permission", to_string(listing.permission)}};
  return page.respond(request, listing.rows, std::nullopt, extra);
}

schema::Schema listing_schema() {
  auto page = page_of(schema::schema_of<drive::Entry>());
  auto& properties = page["properties"].as_object();
  properties["folder"] = schema::schema_of<drive::Folder>();
  properties["breadcrumbs"] = drive::breadcrumbs_schema();
  properties["permission"] = schema::described(
      schema::one_of_strings({"reader", "writer", "owner"}), "what the caller may do here");
  auto& required = page["required"].as_array();
  for (auto name : {"folder", "breadcrumbs", "permission"}) required.emplace_back(name);
  page["title"] = "DriveListing";
  return page;
}

std::vector<openapi::Parameter> listing_params() {
  auto params = page_params();
  params.push_back(
      {"include_deleted", "query", schema::boolean(), "managers and admins: deleted ones too"});
  return params;
}

// The name of a raw upload: ?name=, else the filename of a
// Content-Disposition header.
std::optional<std::string> raw_upload_name(const Request& request) {
  if (auto name = request.query().get("name")) return name;
  const auto disposition = std::string(request.message[beast_http::field::content_disposition]);
  if (disposition.empty()) return std::nullopt;
  auto headers = imports::read_part_headers("Content-Disposition: " + disposition);
  if (headers.filename.empty()) return std::nullopt;
  return headers.filename;
}

Error invalid_upload(const std::string& field, const std::string& message) {
  return Error(ErrorKind::validation, "invalid_upload", field + ": " + message, {{field, message}});
}

struct UploadedFile {
  actors::StagedFile staged;
  std::string name, mime_type;
};

// The upload staged in the blob store under a new file id: a
// multipart/form-data body's file part, or the raw body.
asio::awaitable<UploadedFile> stage_upload(Request& request, const DriveContext& context) {
  request.query().reject_unknown(std::array<std::string_view, 1>{"name"});
  if (!request.upload) throw invalid_upload("file", "the body is empty");
  const auto type = std::string(request.message[beast_http::field::content_type]);
  const auto boundary = imports::multipart_boundary(type);
  UploadedFile file;
  file.staged.id = Uuid::random_v4();
  file.staged.path = context.drive.drive_dir() + "/" + file.staged.id.str();
  std::optional<std::string> name, mime_type;
  if (boundary) {
    auto extracted = co_await storage::extract_multipart_file(
        context.blocking, request.upload->path(), *boundary, file.staged.path);
    file.staged.size = extracted.size;
    file.staged.sha256 = extracted.sha256;
    if (!extracted.headers.filename.empty()) name = extracted.headers.filename;
    if (auto query_name = request.query().get("name")) name = query_name;
    mime_type = extracted.headers.content_type.empty() ? "application/octet-stream"
                                                       : extracted.headers.content_type;
  } else {
    name = raw_upload_name(request);
    mime_type = type.empty() ? "application/octet-stream" : type;
    file.staged.size = request.upload->size();
    file.staged.sha256 = request.upload->digest();
    co_await request.upload->move_to(file.staged.path);
  }
  std::optional<Error> problem;
  if (!name)
    problem = invalid_upload("name", "name the file (?name=, or a filename in the form or header)");
  else if (auto why = drive::name_problem(*name))
    problem = invalid_upload("name", *why);
  const auto stored_type = drive::storable_mime_type(*mime_type);
  if (!problem && !stored_type) problem = invalid_upload("content_type", "not a MIME type");
  if (problem) {
    storage::remove_blob_later(context.blocking, file.staged.path);
    throw *problem;
  }
  file.name = *name;
  file.mime_type = *stored_type;
  co_return file;
}

asio::awaitable<Response> file_content(Request& request, DriveContext& context) {
  auto& drive = context.drive;
  const auto file = co_await drive.file(request.path_uuid("id", "file"), false, request.context());
  http::Download download{static_cast<std::uint64_t>(file.size), file.mime_type, file.name, {}};
  const auto key = actors::LocalDriveBackend::key_of(file.blob.value_or(""));
  const auto local = context.store.local_path(key);
  if (file.blob && local) {
    download.open = [&blocking = context.blocking, path = *local](std::uint64_t first,
                                                                  std::uint64_t length) {
      return http::file_source(blocking, path, first, length);
    };
  } else if (file.blob) {
    // From the S3 store, a chunk at a time.
    download.open = [&store = context.store, key](std::uint64_t first, std::uint64_t length)
        -> asio::awaitable<std::shared_ptr<http::BodySource>> {
      auto read = [&store, key](std::uint64_t from, std::uint64_t to) {
        return store.read(key, from, to);
      };
      co_return http::range_source(std::move(read), first, length, kRemoteChunk);
    };
  } else {
    auto google_id = file.google_id.value_or("");
    download.open = [&drive, google_id](std::uint64_t first, std::uint64_t length)
        -> asio::awaitable<std::shared_ptr<http::BodySource>> {
      auto read = [&drive, google_id](std::uint64_t from, std::uint64_t to) {
        return drive.backend().read(google_id, from, to);
      };
      co_return http::range_source(std::move(read), first, length, kRemoteChunk);
    };
  }
  co_return co_await http::download_response(request, std::move(download));
}

boost::json::value delete_body(const Request& request) {
  if (request.message.body().empty()) return nullptr;
  return http::parse_json_body(request);
}

}  // namespace

void add_drive_routes(http::Router& router, DriveContext context) {
  auto shared = std::make_shared<DriveContext>(std::move(context));
  auto& drive = shared->drive;
  const auto read = std::string(kReadScope), write = std::string(kWriteScope);

  router.add(verb::get, "/api/v2/drive/{entity_type}/{entity_id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto type = entity_type(request);
               const auto entity = request.path_uuid("entity_id", "record");
               const http::KeysetPage page(request, listing_fingerprint(request, entity));
               auto listing = co_await drive.list_entity(
                   type, entity, listing_request(request, page), request.context());
               co_return listing_response(request, page, listing);
             },
             {.scope = read,
              .doc = op("getEntityDrive", "A record's drive: its root folder (made on first use)")
                         .tag("drive")
                         .path("entity_type",
                               schema::one_of_strings({"company", "lead", "deal", "contact"}))
                         .query(listing_params())
                         .ok(listing_schema())
                         .errors({403})});

  router.add(verb::get, "/api/v2/drive/folders/{id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "folder");
               const http::KeysetPage page(request, listing_fingerprint(request, id));
               auto listing = co_await drive.list_folder(id, listing_request(request, page),
                                                         request.context());
               co_return listing_response(request, page, listing);
             },
             {.scope = read,
              .doc = op("getDriveFolder", "A folder's children, folders first, by name")
                         .tag("drive")
                         .query(listing_params())
                         .ok(listing_schema())
                         .errors({403})});

  router.add(
      verb::post, "/api/v2/drive/folders/{id}/folders", Access::sales,
      [&drive](Request& request) -> asio::awaitable<Response> {
        const auto parent = request.path_uuid("id", "folder");
        auto placement = drive::parse_placement(http::parse_json_body(request),
                                                drive::PlacementBody::new_folder);
        auto folder =
            co_await drive.create_folder(parent, std::move(*placement.name), request.context());
        auto response = http::record_response(request, status::created, drive::to_json(folder),
                                              folder.updated_at);
        response.set(beast_http::field::location, "/api/v2/drive/folders/" + folder.id.str());
        co_return response;
      },
      {.idempotent_create = true,
       .scope = write,
       .doc = op("createDriveFolder", "Create a folder in a folder")
                  .tag("drive")
                  .json_body(drive::placement_schema(drive::PlacementBody::new_folder))
                  .created(schema::schema_of<drive::Folder>())
                  .errors({403, 409})});

  router.add(verb::patch, "/api/v2/drive/folders/{id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "folder");
               auto placement = drive::parse_placement(http::parse_json_body(request),
                                                       drive::PlacementBody::folder);
               auto folder =
                   co_await drive.update_folder(id, std::move(placement), request.context());
               co_return http::record_response(request, status::ok, drive::to_json(folder),
                                               folder.updated_at);
             },
             {.scope = write,
              .doc = op("updateDriveFolder", "Rename a folder or move it within its drive")
                         .tag("drive")
                         .header("If-Match", schema::string())
                         .json_body(drive::placement_schema(drive::PlacementBody::folder))
                         .ok(schema::schema_of<drive::Folder>())
                         .errors({403, 409, 412})});

  router.add(verb::delete_, "/api/v2/drive/folders/{id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "folder");
               auto reason = drive::parse_delete_reason(delete_body(request));
               auto folder = co_await drive.delete_folder(id, std::move(reason), request.context());
               co_return http::json_response(request, status::ok, drive::to_json(folder));
             },
             {.scope = write,
              .doc = op("deleteDriveFolder", "Soft-delete a folder and everything in it")
                         .tag("drive")
                         .json_body(drive::delete_reason_schema(), false)
                         .ok(schema::schema_of<drive::Folder>())
                         .errors({403, 409})});

  router.add(verb::post, "/api/v2/drive/folders/{id}/restore", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               auto folder = co_await drive.restore_folder(request.path_uuid("id", "folder"),
                                                           request.context());
               co_return http::json_response(request, status::ok, drive::to_json(folder));
             },
             {.scope = write,
              .doc = op("restoreDriveFolder",
                        "Restore a deleted folder with what was deleted with it (owners)")
                         .tag("drive")
                         .ok(schema::schema_of<drive::Folder>())
                         .errors({403, 409})});

  router.add(verb::post, "/api/v2/drive/folders/{id}/files", Access::sales,
             [shared](Request& request) -> asio::awaitable<Response> {
               const auto folder = request.path_uuid("id", "folder");
               auto uploaded = co_await stage_upload(request, *shared);
               auto file = co_await shared->drive.upload(
                   folder, std::move(uploaded.staged), std::move(uploaded.name),
                   std::move(uploaded.mime_type), request.context());
               auto response = http::record_response(request, status::created, drive::to_json(file),
                                                     file.updated_at);
               response.set(beast_http::field::location, "/api/v2/drive/files/" + file.id.str());
               co_return response;
             },
             {.upload = true,
              .scope = write,
              .doc = op("uploadDriveFile",
                        "Upload a file: multipart/form-data, or the raw body with ?name=")
                         .tag("drive")
                         .query("name", schema::string(drive::kMaxNameBytes),
                                "the file's name (else the form's or Content-Disposition's)")
                         .body_of("multipart/form-data", schema::any_object(), "a file part")
                         .body_of("application/octet-stream", schema::string(),
                                  "the file itself, any Content-Type")
                         .created(schema::schema_of<drive::File>())
                         .errors({403, 413})});

  router.add(verb::get, "/api/v2/drive/files/{id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               request.query().reject_unknown(std::array<std::string_view, 1>{"include_deleted"});
               const bool include_deleted = request.query().boolean("include_deleted", false);
               auto file = co_await drive.file(request.path_uuid("id", "file"), include_deleted,
                                               request.context());
               co_return http::record_response(request, status::ok, drive::to_json(file),
                                               file.updated_at);
             },
             {.scope = read,
              .doc = op("getDriveFile", "A file's metadata")
                         .tag("drive")
                         .query("include_deleted", schema::boolean(), "managers and admins")
                         .ok(schema::schema_of<drive::File>())});

  router.add(
      verb::get, "/api/v2/drive/files/{id}/content", Access::sales,
      [shared](Request& request) -> asio::awaitable<Response> {
        co_return co_await file_content(request, *shared);
      },
      {.scope = read,
       .doc = op("downloadDriveFile", "A file's content (Range supported)")
                  .tag("drive")
                  .header("Range", schema::string(), "bytes=first-last")
                  .reply(200, "The file", "application/octet-stream", schema::string())
                  .reply(206, "Part of the file", "application/octet-stream", schema::string())
                  .errors({416})});

  router.add(
      verb::patch, "/api/v2/drive/files/{id}", Access::sales,
      [&drive](Request& request) -> asio::awaitable<Response> {
        const auto id = request.path_uuid("id", "file");
        auto placement =
            drive::parse_placement(http::parse_json_body(request), drive::PlacementBody::file);
        auto file = co_await drive.update_file(id, std::move(placement), request.context());
        co_return http::record_response(request, status::ok, drive::to_json(file), file.updated_at);
      },
      {.scope = write,
       .doc = op("updateDriveFile", "Rename a file or move it within its drive")
                  .tag("drive")
                  .header("If-Match", schema::string())
                  .json_body(drive::placement_schema(drive::PlacementBody::file))
                  .ok(schema::schema_of<drive::File>())
                  .errors({403, 412})});

  router.add(verb::delete_, "/api/v2/drive/files/{id}", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto id = request.path_uuid("id", "file");
               auto reason = drive::parse_delete_reason(delete_body(request));
               auto file = co_await drive.delete_file(id, std::move(reason), request.context());
               co_return http::json_response(request, status::ok, drive::to_json(file));
             },
             {.scope = write,
              .doc = op("deleteDriveFile", "Soft-delete a file, with who and why")
                         .tag("drive")
                         .json_body(drive::delete_reason_schema(), false)
                         .ok(schema::schema_of<drive::File>())
                         .errors({403})});

  router.add(verb::post, "/api/v2/drive/files/{id}/restore", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               auto file =
                   co_await drive.restore_file(request.path_uuid("id", "file"), request.context());
               co_return http::json_response(request, status::ok, drive::to_json(file));
             },
             {.scope = write,
              .doc = op("restoreDriveFile", "Restore a deleted file (owners)")
                         .tag("drive")
                         .ok(schema::schema_of<drive::File>())
                         .errors({403, 409})});

  router.add(
      verb::post, "/api/v2/drive/files/{id}/purge", Access::sales,
      [&drive](Request& request) -> asio::awaitable<Response> {
        co_await drive.purge_file(request.path_uuid("id", "file"), request.context());
        co_return http::no_content(request);
      },
      {.scope = write,
       .doc = op("purgeDriveFile", "Delete a deleted file for good, content included (owners)")
                  .tag("drive")
                  .no_content()
                  .errors({403, 409})});

  router.add(verb::get, "/api/v2/drive/search", Access::sales,
             [&drive](Request& request) -> asio::awaitable<Response> {
               const auto query = request.query();
               query.reject_unknown(http::kPageParameters, kSearchParameters);
               storage::DriveSearch search;
               search.text = query.get("q").value_or("");
               if (search.text.size() > 200)
                 throw invalid_query_parameter("q", "at most 200 bytes");
               if (auto type = query.get("entity_type")) {
                 search.entity_type = drive::parse_entity_type(*type);
                 if (!search.entity_type)
                   throw invalid_query_parameter("entity_type", "company, lead, deal or contact");
               }
               search.entity_id = query.uuid("entity_id");
               search.mime_type = query.get("mime_type");
               const auto fingerprint =
                   "drive-search:" + search.text + "|" + query.get("entity_type").value_or("") +
                   "|" + query.get("entity_id").value_or("") + "|" + search.mime_type.value_or("");
               const http::KeysetPage page(request, fingerprint);
               auto rows = co_await drive.search(std::move(search), page.fetch_limit(),
                                                 page.position(), request.context());
               co_return page.respond(request, rows);
             },
             {.scope = read,
              .doc = op("searchDrive", "Folders and files by name, over the drives you may see")
                         .tag("drive")
                         .query("q", schema::string(200), "a fragment of the name")
                         .query("entity_type",
                                schema::one_of_strings({"company", "lead", "deal", "contact"}))
                         .query("entity_id", schema::uuid())
                         .query("mime_type", schema::string(), "files of this type only")
                         .query(page_params())
                         .ok(page_of(schema::schema_of<drive::Entry>()))});

  router.add(verb::get, "/api/v2/drive/status", Access::manager,
             [shared](Request& request) -> asio::awaitable<Response> {
               boost::json::object answer{{"backend", "local"}, {"status", "active"}};
               if (shared->sync) answer = co_await shared->sync->status();
               co_return http::json_response(request, status::ok, std::move(answer));
             },
             {.scope = read,
              .doc = op("getDriveStatus",
                        "The drive's backend and, for Google, its connection and push channels")
                         .tag("drive")
                         .ok(schema::Object("DriveStatus")
                                 .field("backend", schema::one_of_strings({"local", "google"}))
                                 .field("status", schema::one_of_strings(
                                                      {"active", "needs_reconnect", "failed"}))
                                 .optional("last_error", schema::nullable(schema::string()))
                                 .optional("last_success_at", schema::nullable(schema::timestamp()))
                                 .optional("channels", schema::array(schema::any_object())))});

  add_drive_template_routes(router, drive);
}

}  // namespace crmd::server::routes
