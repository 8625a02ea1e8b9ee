// An in-process Pipedrive on FakeServer, in Pipedrive's wire format: v2
// lists (pipelines, stages, organizations, persons, deals, archived deals)
// with cursor pages and {success, data, additional_data: {next_cursor}}, v1
// users and notes with {additional_data: {pagination}}, a v2 deal PATCH, the
// x-api-token check (401 with Pipedrive's error envelope), rate-limit
// headers on every answer, and trouble a test scripts (429s, a spent daily
// budget, a 403 after a 429, 500s on a path). State lives in memory under
// one mutex: the server answers on its own thread while the test scripts.
//
// Rules it keeps (notes/pipedrive-and-llm.md section 1):
//  - updated_since is inclusive (>=), updated_until exclusive (<);
//  - deals: no status means every deal not deleted; status=deleted only
//    deleted ones; /api/v2/deals leaves archived deals out, only
//    /api/v2/deals/archived lists them; persons and organizations leave
//    deleted ones out;
//  - sort_by id|update_time|add_time (then id), sort_direction asc|desc;
//  - limit: default 100, at most 500; above (or below 1) is 400, as v2's
//    strict validation; v1 clamps it; an unknown v2 query parameter is 400;
//  - a cursor holds the sort key (time, id) of the page's last item, so
//    items added or changed while a run pages never shift it; on the last
//    page next_cursor is null, or absent (set_last_cursor_absent);
//  - v1 notes: start/limit offsets over "update_time ASC" (or id/add_time).
// Each put stamps update_time (and add_time) when the object has none, from
// a clock that always moves past every time stored: a bump is the newest.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/common/time.hpp"
#include "fakes/http_server.hpp"

namespace crmd::test {

class FakePipedrive {
 public:
  using Json = boost::json::object;
  using Params = std::map<std::string, std::string>;

  explicit FakePipedrive(std::string api_token = "pd-test-token")
      : token_(std::move(api_token)),
        server_([this](const Request& request) { return handle(request); }) {}

  // http://127.0.0.1:port, the base_url of PipedriveOptions.
  std::string url() const {
    std::string base = server_.url("/");
    base.pop_back();
    return base;
  }
  const std::string& token() const { return token_; }
  void set_token(std::string token) {
    std::lock_guard lock(mutex_);
    token_ = std::move(token);
  }

  // --- data ----------------------------------------------------------------
  // Each returns the id (a new one when the object has none) and replaces an
  // object with the same id. Times in v2 form ("2026-01-01T10:00:00Z"),
  // users' and notes' in v1's naive form, stamped when absent.
  std::int64_t put_user(Json user) {
    std::lock_guard lock(mutex_);
    defaults(user, {{"active_flag", true},
                    {"is_admin", 0},
                    {"role_id", 1},
                    {"timezone_name", "Europe/Berlin"},
                    {"icon_url", nullptr},
                    {"is_you", false},
                    {"lang", 1},
                    {"locale", "en_US"}});
    if (!user.contains("access")) {
      Json access;
      access["app"] = "sales";
      access["admin"] = true;
      access["permission_set_id"] = "62cc4d7f-4038-4352-abf3-a8c1c822b631";
      user["access"] = boost::json::array{access};
    }
    return store(users_, std::move(user), Form::v1, "created", "modified");
  }
  std::int64_t put_pipeline(Json pipeline) {
    std::lock_guard lock(mutex_);
    defaults(pipeline,
             {{"order_nr", 1}, {"is_deleted", false}, {"is_deal_probability_enabled", true}});
    return store(pipelines_, std::move(pipeline), Form::v2);
  }
  std::int64_t put_stage(Json stage) {
    std::lock_guard lock(mutex_);
    defaults(stage, {{"order_nr", 1},
                     {"is_deleted", false},
                     {"deal_probability", 100},
                     {"is_deal_rot_enabled", false},
                     {"days_to_rotten", nullptr}});
    return store(stages_, std::move(stage), Form::v2);
  }
  std::int64_t put_organization(Json organization) {
    std::lock_guard lock(mutex_);
    defaults(organization, {{"is_deleted", false}});
    return store(organizations_, std::move(organization), Form::v2);
  }
  std::int64_t put_person(Json person) {
    std::lock_guard lock(mutex_);
    defaults(person, {{"is_deleted", false}});
    return store(persons_, std::move(person), Form::v2);
  }
  std::int64_t put_deal(Json deal) {
    std::lock_guard lock(mutex_);
    defaults(deal, {{"status", "open"},
                    {"is_deleted", false},
                    {"is_archived", false},
                    {"currency", "EUR"},
                    {"probability", nullptr},
                    {"archive_time", nullptr}});
    if (!deal.contains("custom_fields")) deal["custom_fields"] = Json{};
    return store(deals_, std::move(deal), Form::v2);
  }
  std::int64_t put_note(Json note) {
    std::lock_guard lock(mutex_);
    defaults(note, {{"active_flag", true}, {"pinned_to_deal_flag", false}});
    return store(notes_, std::move(note), Form::v1);
  }
  // n open deals titled "Deal <i>", one second apart in update_time.
  std::vector<std::int64_t> seed_deals(std::size_t n, Json base = {}) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < n; ++i) {
      Json deal = base;
      deal["title"] = "Deal " + std::to_string(i);
      ids.push_back(put_deal(std::move(deal)));
    }
    return ids;
  }

  // Pipedrive's delete: status deleted, is_deleted, update_time bumped.
  void delete_deal(std::int64_t id) {
    std::lock_guard lock(mutex_);
    Json& deal = at(deals_, id);
    deal["status"] = "deleted";
    deal["is_deleted"] = true;
    deal["update_time"] = stamp(Form::v2);
  }
  // Gone entirely, as after Pipedrive's 30 days.
  void purge_deal(std::int64_t id) {
    std::lock_guard lock(mutex_);
    deals_.erase(id);
  }
  void archive_deal(std::int64_t id) {
    std::lock_guard lock(mutex_);
    Json& deal = at(deals_, id);
    const std::string now = stamp(Form::v2);
    deal["is_archived"] = true;
    deal["archive_time"] = now;
    deal["update_time"] = now;
  }
  void unarchive_deal(std::int64_t id) {
    std::lock_guard lock(mutex_);
    Json& deal = at(deals_, id);
    deal["is_archived"] = false;
    deal["archive_time"] = nullptr;
    deal["update_time"] = stamp(Form::v2);
  }
  // fields merged into the deal, update_time bumped (unless fields has one).
  void update_deal(std::int64_t id, const Json& fields) {
    std::lock_guard lock(mutex_);
    Json& deal = at(deals_, id);
    for (const auto& [key, value] : fields) deal[key] = value;
    if (!fields.contains("update_time")) deal["update_time"] = stamp(Form::v2);
    note_time(deal["update_time"]);
  }
  void delete_person(std::int64_t id) { soft_delete(persons_, id); }
  void delete_organization(std::int64_t id) { soft_delete(organizations_, id); }
  // v1 notes are removed outright.
  void delete_note(std::int64_t id) {
    std::lock_guard lock(mutex_);
    notes_.erase(id);
  }

  // What is stored (v2 form), as a list would show it.
  std::optional<Json> deal(std::int64_t id) {
    std::lock_guard lock(mutex_);
    const auto it = deals_.find(id);
    if (it == deals_.end()) return std::nullopt;
    return it->second;
  }

  // --- how it answers -------------------------------------------------------
  // Deals served in v1's shape (nested user_id/person_id/org_id objects,
  // naive times, deleted/active, custom fields as top-level keys), on the
  // same endpoints: the normaliser and a sync must take both.
  void serve_v1_deal_shape(bool on = true) {
    std::lock_guard lock(mutex_);
    v1_deals_ = on;
  }
  // The last page of a v2 list leaves next_cursor out instead of null.
  void set_last_cursor_absent(bool absent = true) {
    std::lock_guard lock(mutex_);
    last_cursor_absent_ = absent;
  }
  // Requests per 2 s window before 429s (x-ratelimit-limit; default 100).
  void set_burst_limit(int limit) {
    std::lock_guard lock(mutex_);
    burst_limit_ = std::max(1, limit);
  }

  // --- trouble --------------------------------------------------------------
  // The next n requests answer 429 (burst) with x-ratelimit-remaining: 0 and
  // x-ratelimit-reset: reset_seconds.
  void fail_next_with_429(int n, int reset_seconds) {
    std::lock_guard lock(mutex_);
    scripted_429s_ = std::max(0, n);
    scripted_reset_ = reset_seconds;
  }
  // The daily budget is spent: every request answers 429 with
  // x-daily-ratelimit-token-remaining: 0, and Retry-After: reset_in when
  // given (without it only the 2 s window's x-ratelimit-reset is there).
  void exhaust_daily_budget(std::optional<std::chrono::seconds> reset_in = std::nullopt) {
    std::lock_guard lock(mutex_);
    daily_remaining_ = 0;
    budget_retry_after_ = reset_in;
  }
  void restore_daily_budget() {
    std::lock_guard lock(mutex_);
    daily_remaining_ = daily_limit_;
    budget_retry_after_.reset();
  }
  // Every answer right after a 429 is a 403 (Pipedrive's escalation).
  void forbid_after_429(bool on = true) {
    std::lock_guard lock(mutex_);
    forbid_after_429_ = on;
  }
  // The nth request (from 1, counted from now) whose target contains
  // path_substring, and each after it, answer 500, up to times answers:
  // by default a sync dies there and stays dead until clear_failures().
  void fail_request(std::string path_substring, std::size_t nth,
                    std::size_t times = static_cast<std::size_t>(-1)) {
    std::lock_guard lock(mutex_);
    failures_.push_back(Failure{std::move(path_substring), std::max<std::size_t>(1, nth), times});
  }
  void clear_failures() {
    std::lock_guard lock(mutex_);
    failures_.clear();
  }

  // --- what the test reads ---------------------------------------------------
  // Requests whose path (no query) is path, whatever they were answered.
  std::size_t requests(const std::string& path) {
    std::lock_guard lock(mutex_);
    const auto it = per_path_.find(path);
    return it == per_path_.end() ? 0 : it->second;
  }
  std::size_t total_requests() {
    std::lock_guard lock(mutex_);
    return log_.size();
  }
  // "METHOD /path?query" of each request, in order.
  std::vector<std::string> log() {
    std::lock_guard lock(mutex_);
    return log_;
  }
  // Every request as received (headers and bodies).
  std::vector<Request> received() { return server_.received(); }
  // (id, body) of each PATCH of a deal that was applied.
  std::vector<std::pair<std::int64_t, Json>> patches() {
    std::lock_guard lock(mutex_);
    return patches_;
  }
  // The body of the last answer.
  std::string last_answer() {
    std::lock_guard lock(mutex_);
    return last_body_;
  }
  // How many answers had this status (429s, 403s, 500s...).
  std::size_t answers_with(unsigned status) {
    std::lock_guard lock(mutex_);
    const auto it = statuses_.find(status);
    return it == statuses_.end() ? 0 : it->second;
  }
  std::int64_t daily_remaining() {
    std::lock_guard lock(mutex_);
    return daily_remaining_;
  }

 private:
  enum class Form { v1, v2 };
  using Table = std::map<std::int64_t, Json>;
  struct Failure {
    std::string path_substring;
    std::size_t nth;
    std::size_t times;
    std::size_t seen = 0;
    std::size_t failed = 0;
  };
  struct Key {
    std::int64_t time = 0;  // microseconds, or the id when sorting by id
    std::int64_t id = 0;
  };

  // --- storage ----------------------------------------------------------------
  static void defaults(Json& object,
                       std::initializer_list<std::pair<std::string, boost::json::value>> values) {
    for (const auto& [key, value] : values)
      if (!object.contains(key)) object[key] = value;
  }
  static std::string v1_text(Timestamp t) {
    std::string text = format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
    text[10] = ' ';
    text.pop_back();
    return text;
  }
  static std::string v2_text(Timestamp t) {
    return format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
  }
  static std::optional<Timestamp> time_of(const boost::json::value* value) {
    if (!value || !value->is_string() || value->get_string().empty()) return std::nullopt;
    std::string text(value->get_string());
    if (auto t = parse_timestamp(text)) return t;
    return parse_timestamp(text + "Z");  // v1 naive UTC
  }
  void note_time(const boost::json::value& value) {
    if (const auto t = time_of(&value)) latest_ = std::max(latest_, *t);
  }
  // A time after every time stored so far.
  std::string stamp(Form form) {
    latest_ = std::chrono::floor<std::chrono::seconds>(latest_) + std::chrono::seconds(1);
    return form == Form::v1 ? v1_text(latest_) : v2_text(latest_);
  }
  std::int64_t store(Table& table, Json object, Form form, const char* add_key = "add_time",
                     const char* update_key = "update_time") {
    std::int64_t id = 0;
    if (const auto* value = object.if_contains("id"); value && value->is_int64())
      id = value->get_int64();
    else
      id = table.empty() ? 1 : table.rbegin()->first + 1;
    object["id"] = id;
    if (!object.contains(update_key) || object[update_key].is_null())
      object[update_key] = stamp(form);
    else
      note_time(object[update_key]);
    if (!object.contains(add_key)) object[add_key] = object[update_key];
    table[id] = std::move(object);
    return id;
  }
  static Json& at(Table& table, std::int64_t id) {
    const auto it = table.find(id);
    if (it == table.end())
      throw std::out_of_range("FakePipedrive: no object " + std::to_string(id));
    return it->second;
  }
  void soft_delete(Table& table, std::int64_t id) {
    std::lock_guard lock(mutex_);
    Json& object = at(table, id);
    object["is_deleted"] = true;
    object["update_time"] = stamp(Form::v2);
  }
  static std::string name_of(const Table& table, std::int64_t id, const char* key = "name") {
    const auto it = table.find(id);
    if (it == table.end()) return "";
    const auto* name = it->second.if_contains(key);
    return name && name->is_string() ? std::string(name->get_string()) : "";
  }

  // --- the wire -----------------------------------------------------------------
  static std::string hex_of(const std::string& text) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : text) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  }
  static std::optional<std::string> unhex(const std::string& text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
      const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      const int hi = digit(text[i]), lo = digit(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
    }
    return out;
  }

  Answer json_answer(unsigned status, const boost::json::value& body) {
    Answer answer{status,
                  {{"Content-Type", "application/json; charset=utf-8"}},
                  boost::json::serialize(body)};
    rate_headers(answer);
    return answer;
  }
  Answer error_answer(unsigned status, const std::string& error,
                      const std::string& info = "Please check developers.pipedrive.com",
                      std::optional<std::string> code = std::nullopt) {
    Json body;
    body["success"] = false;
    body["error"] = error;
    if (code) body["code"] = *code;
    body["errorCode"] = status;
    body["error_info"] = info;
    body["data"] = nullptr;
    body["additional_data"] = nullptr;
    return json_answer(status, body);
  }
  void rate_headers(Answer& answer, std::optional<int> remaining = std::nullopt,
                    std::optional<int> reset = std::nullopt) {
    const int left = remaining ? *remaining : std::max(0, burst_limit_ - window_count_);
    answer.headers.emplace_back("x-ratelimit-limit", std::to_string(burst_limit_));
    answer.headers.emplace_back("x-ratelimit-remaining", std::to_string(left));
    answer.headers.emplace_back("x-ratelimit-reset",
                                std::to_string(reset ? *reset : window_reset_seconds()));
    answer.headers.emplace_back("x-daily-ratelimit-token-limit", std::to_string(daily_limit_));
    answer.headers.emplace_back("x-daily-ratelimit-token-remaining",
                                std::to_string(daily_remaining_));
  }
  int window_reset_seconds() const {
    const auto left = std::chrono::seconds(2) - (std::chrono::steady_clock::now() - window_start_);
    return static_cast<int>(
        std::clamp<std::int64_t>(std::chrono::ceil<std::chrono::seconds>(left).count(), 1, 2));
  }
  static std::int64_t cost(const std::string& method, const std::string& path) {
    if (method != "GET") return 10;
    const bool single = std::any_of(path.begin() + static_cast<long>(path.rfind('/')) + 1,
                                    path.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (single) return 2;
    return path.starts_with("/api/v2/") ? 10 : 20;
  }

  Answer handle(const Request& request) {
    std::lock_guard lock(mutex_);
    const std::string method(request.method_string());
    const std::string target(request.target());
    const auto question = target.find('?');
    const std::string path = target.substr(0, question);
    const Params params =
        question == std::string::npos ? Params{} : test::query_params(target.substr(question + 1));
    log_.push_back(method + " " + target);
    ++per_path_[path];
    // The burst window counts every request.
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(2)) {
      window_start_ = now;
      window_count_ = 0;
    }
    ++window_count_;
    Answer answer = answer_of(request, method, path, params);
    last_status_ = answer.status;
    ++statuses_[answer.status];
    last_body_ = answer.body;
    return answer;
  }

  Answer answer_of(const Request& request, const std::string& method, const std::string& path,
                   const Params& params) {
    const auto token = request.find("x-api-token");
    if (token == request.end() || std::string(token->value()) != token_)
      return error_answer(401, "unauthorized access");
    if (forbid_after_429_ && last_status_ == 429)
      return error_answer(403, "Forbidden", "Rate limit abuse: access temporarily forbidden");
    if (scripted_429s_ > 0) {
      --scripted_429s_;
      Answer answer = error_answer(429, "Request over limit");
      answer.headers.clear();
      answer.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
      rate_headers(answer, 0, scripted_reset_);
      return answer;
    }
    if (daily_remaining_ <= 0) {
      Answer answer = error_answer(429, "Daily API token budget exceeded");
      if (budget_retry_after_)
        answer.headers.emplace_back("Retry-After", std::to_string(budget_retry_after_->count()));
      return answer;
    }
    if (window_count_ > burst_limit_) return error_answer(429, "Request over limit");
    for (auto& failure : failures_) {
      if (path.find(failure.path_substring) == std::string::npos &&
          std::string(request.target()).find(failure.path_substring) == std::string::npos)
        continue;
      ++failure.seen;
      if (failure.seen >= failure.nth && failure.failed < failure.times) {
        ++failure.failed;
        return error_answer(500, "Internal server error", "scripted failure");
      }
    }
    daily_remaining_ = std::max<std::int64_t>(0, daily_remaining_ - cost(method, path));
    try {
      return route(request, method, path, params);
    } catch (const std::exception& e) {
      return error_answer(400, e.what(), "Validation failed", "ERR_SCHEMA_VALIDATION_FAILED");
    }
  }

  Answer route(const Request& request, const std::string& method, const std::string& path,
               const Params& params) {
    if (method == "GET" && path == "/v1/users") return v1_list(users_, params, false);
    if (method == "GET" && path == "/v1/notes") return v1_list(notes_, params, true);
    if (method == "GET" && path == "/api/v2/pipelines")
      return v2_list(pipelines_, params, Listing::plain, {});
    if (method == "GET" && path == "/api/v2/stages")
      return v2_list(stages_, params, Listing::plain, {"pipeline_id"});
    if (method == "GET" && path == "/api/v2/organizations")
      return v2_list(organizations_, params, Listing::live, filters_of_records());
    if (method == "GET" && path == "/api/v2/persons")
      return v2_list(persons_, params, Listing::live, filters_of_records());
    if (method == "GET" && path == "/api/v2/deals")
      return v2_list(deals_, params, Listing::deals, filters_of_deals());
    if (method == "GET" && path == "/api/v2/deals/archived")
      return v2_list(deals_, params, Listing::archived_deals, filters_of_deals());
    if (path.starts_with("/api/v2/deals/")) {
      std::int64_t id = 0;
      try {
        id = std::stoll(path.substr(std::string("/api/v2/deals/").size()));
      } catch (const std::exception&) {
        return error_answer(404, "Not found");
      }
      const auto it = deals_.find(id);
      if (it == deals_.end()) return error_answer(404, "Deal not found");
      if (method == "GET") return single(render_deal(it->second));
      if (method == "PATCH") return patch(id, it->second, request.body());
    }
    return error_answer(404, "Unknown method");
  }

  static std::set<std::string> filters_of_records() {
    return {"owner_id",       "org_id",        "updated_since", "updated_until",
            "include_fields", "custom_fields", "ids",           "filter_id"};
  }
  static std::set<std::string> filters_of_deals() {
    return {"owner_id",  "person_id", "org_id",         "pipeline_id",
            "stage_id",  "status",    "updated_since",  "updated_until",
            "filter_id", "ids",       "include_fields", "custom_fields"};
  }

  enum class Listing { plain, live, deals, archived_deals };

  bool listed(const Json& item, Listing listing, const std::set<std::string>& statuses) const {
    const auto flag = [&](const char* key) {
      const auto* value = item.if_contains(key);
      return value && value->is_bool() && value->get_bool();
    };
    switch (listing) {
      case Listing::plain:
        return true;
      case Listing::live:
        return !flag("is_deleted");
      case Listing::deals:
      case Listing::archived_deals: {
        if (flag("is_archived") != (listing == Listing::archived_deals)) return false;
        const bool deleted = flag("is_deleted");
        if (statuses.empty()) return !deleted;
        const auto* status = item.if_contains("status");
        const std::string s =
            deleted ? "deleted"
                    : (status && status->is_string() ? std::string(status->get_string()) : "");
        return statuses.contains(s);
      }
    }
    return true;
  }

  static std::int64_t integer_param(const Params& params, const std::string& name) {
    const std::string& text = params.at(name);
    std::size_t used = 0;
    std::int64_t n = 0;
    try {
      n = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size())
      throw std::invalid_argument("Validation failed: " + name +
                                  ": Expected number, received string");
    return n;
  }

  Key key_of(const Json& item, const std::string& sort_by) const {
    const std::int64_t id = item.at("id").as_int64();
    if (sort_by == "id") return {id, id};
    const auto t = time_of(item.if_contains(sort_by));
    return {t ? t->time_since_epoch().count() : 0, id};
  }

  Answer v2_list(const Table& table, const Params& params, Listing listing,
                 const std::set<std::string>& filters) {
    static const std::set<std::string> paging{"limit", "cursor", "sort_by", "sort_direction"};
    for (const auto& [name, value] : params)
      if (!paging.contains(name) && !filters.contains(name))
        throw std::invalid_argument("Validation failed: unknown parameter " + name);
    std::int64_t limit = 100;
    if (params.contains("limit")) limit = integer_param(params, "limit");
    if (limit < 1 || limit > 500)
      throw std::invalid_argument(
          "Validation failed: limit: Number must be less than or equal to 500");
    const std::string sort_by = params.contains("sort_by") ? params.at("sort_by") : "id";
    if (sort_by != "id" && sort_by != "update_time" && sort_by != "add_time")
      throw std::invalid_argument("Validation failed: sort_by: Invalid enum value");
    const std::string direction =
        params.contains("sort_direction") ? params.at("sort_direction") : "asc";
    if (direction != "asc" && direction != "desc")
      throw std::invalid_argument("Validation failed: sort_direction: Invalid enum value");
    std::set<std::string> statuses;
    if (params.contains("status")) {
      std::string_view list = params.at("status");
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string one(list.substr(0, comma));
        if (one != "open" && one != "won" && one != "lost" && one != "deleted")
          throw std::invalid_argument("Validation failed: status: Invalid enum value " + one);
        statuses.insert(one);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    }
    std::optional<Timestamp> since, until;
    if (params.contains("updated_since")) {
      since = parse_timestamp(params.at("updated_since"));
      if (!since) throw std::invalid_argument("Validation failed: updated_since: Invalid datetime");
    }
    if (params.contains("updated_until")) {
      until = parse_timestamp(params.at("updated_until"));
      if (!until) throw std::invalid_argument("Validation failed: updated_until: Invalid datetime");
    }
    std::map<std::string, std::int64_t> equal;
    for (const char* name : {"owner_id", "person_id", "org_id", "pipeline_id", "stage_id"})
      if (params.contains(name)) equal[name] = integer_param(params, name);

    std::vector<const Json*> items;
    for (const auto& [id, item] : table) {
      if (!listed(item, listing, statuses)) continue;
      const auto updated = time_of(item.if_contains("update_time"));
      if (since && (!updated || *updated < *since)) continue;
      if (until && (!updated || *updated >= *until)) continue;
      bool match = true;
      for (const auto& [name, want] : equal) {
        const auto* value = item.if_contains(name);
        if (!value || !value->is_int64() || value->get_int64() != want) match = false;
      }
      if (match) items.push_back(&item);
    }
    const bool asc = direction == "asc";
    const auto before = [&](const Key& a, const Key& b) {
      if (a.time != b.time) return asc ? a.time < b.time : a.time > b.time;
      return asc ? a.id < b.id : a.id > b.id;
    };
    std::sort(items.begin(), items.end(), [&](const Json* a, const Json* b) {
      return before(key_of(*a, sort_by), key_of(*b, sort_by));
    });
    std::size_t first = 0;
    if (params.contains("cursor")) {
      const auto after = cursor_key(params.at("cursor"), sort_by, direction);
      while (first < items.size() && !before(*after, key_of(*items[first], sort_by))) ++first;
    }
    const std::size_t end = std::min(items.size(), first + static_cast<std::size_t>(limit));
    boost::json::array data;
    for (std::size_t i = first; i < end; ++i)
      data.push_back(listing == Listing::deals || listing == Listing::archived_deals
                         ? boost::json::value(render_deal(*items[i]))
                         : boost::json::value(*items[i]));
    Json additional;
    if (end < items.size()) {
      const Key last = key_of(*items[end - 1], sort_by);
      additional["next_cursor"] = hex_of(sort_by + "|" + direction + "|" +
                                         std::to_string(last.time) + "|" + std::to_string(last.id));
    } else if (!last_cursor_absent_) {
      additional["next_cursor"] = nullptr;
    }
    Json body;
    body["success"] = true;
    body["data"] = std::move(data);
    body["additional_data"] = std::move(additional);
    return json_answer(200, body);
  }

  std::optional<Key> cursor_key(const std::string& cursor, const std::string& sort_by,
                                const std::string& direction) const {
    const auto text = unhex(cursor);
    std::vector<std::string> parts;
    if (text) {
      std::string_view rest = *text;
      while (true) {
        const auto bar = rest.find('|');
        parts.emplace_back(rest.substr(0, bar));
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
    }
    if (parts.size() != 4 || parts[0] != sort_by || parts[1] != direction)
      throw std::invalid_argument("Validation failed: cursor: Invalid cursor");
    return Key{std::stoll(parts[2]), std::stoll(parts[3])};
  }

  Answer v1_list(const Table& table, const Params& params, bool notes) {
    std::int64_t start = 0;
    std::int64_t limit = notes ? 100 : 500;
    if (params.contains("start")) start = std::max<std::int64_t>(0, integer_param(params, "start"));
    if (params.contains("limit"))
      limit = std::clamp<std::int64_t>(integer_param(params, "limit"), 1, 500);
    std::optional<Timestamp> since;
    if (params.contains("updated_since")) {
      const std::string& text = params.at("updated_since");
      since = parse_timestamp(text);
      if (!since) since = parse_timestamp(text + "Z");
      if (!since) throw std::invalid_argument("updated_since is not a date");
    }
    std::string sort_key = notes ? "update_time" : "id";
    bool asc = true;
    if (params.contains("sort")) {
      const std::string& sort = params.at("sort");
      const auto space = sort.find(' ');
      sort_key = sort.substr(0, space);
      if (space != std::string::npos) asc = sort.substr(space + 1) != "DESC";
      if (sort_key != "id" && sort_key != "update_time" && sort_key != "add_time")
        throw std::invalid_argument("sort: unknown field " + sort_key);
    }
    std::optional<std::int64_t> deal_id;
    if (params.contains("deal_id")) deal_id = integer_param(params, "deal_id");
    std::vector<const Json*> items;
    for (const auto& [id, item] : table) {
      const std::string time_key = notes ? "update_time" : "modified";
      if (since) {
        const auto updated = time_of(item.if_contains(time_key));
        if (!updated || *updated < *since) continue;
      }
      if (deal_id) {
        const auto* value = item.if_contains("deal_id");
        if (!value || !value->is_int64() || value->get_int64() != *deal_id) continue;
      }
      items.push_back(&item);
    }
    const std::string key_name = sort_key == "id" ? "id" : (notes ? sort_key : "modified");
    std::sort(items.begin(), items.end(), [&](const Json* a, const Json* b) {
      const Key ka = key_of(*a, key_name), kb = key_of(*b, key_name);
      if (ka.time != kb.time) return asc ? ka.time < kb.time : ka.time > kb.time;
      return asc ? ka.id < kb.id : ka.id > kb.id;
    });
    const std::size_t first = std::min(items.size(), static_cast<std::size_t>(start));
    const std::size_t end = std::min(items.size(), first + static_cast<std::size_t>(limit));
    boost::json::array data;
    for (std::size_t i = first; i < end; ++i) data.push_back(render_v1(*items[i], notes));
    Json pagination;
    pagination["start"] = start;
    pagination["limit"] = limit;
    pagination["more_items_in_collection"] = end < items.size();
    if (end < items.size()) pagination["next_start"] = static_cast<std::int64_t>(end);
    Json additional;
    additional["pagination"] = std::move(pagination);
    Json body;
    body["success"] = true;
    // v1 writes null for an empty list.
    if (data.empty())
      body["data"] = nullptr;
    else
      body["data"] = std::move(data);
    body["additional_data"] = std::move(additional);
    return json_answer(200, body);
  }

  // v1 notes carry the names of what they are attached to.
  Json render_v1(const Json& item, bool notes) const {
    Json out = item;
    if (!notes) return out;
    const auto attach = [&](const char* id_key, const char* object_key, const Table& table,
                            const char* name_key) {
      const auto* value = item.if_contains(id_key);
      if (!value || !value->is_int64()) return;
      Json nested;
      nested[name_key] = name_of(table, value->get_int64(), name_key);
      out[object_key] = std::move(nested);
    };
    attach("deal_id", "deal", deals_, "title");
    attach("person_id", "person", persons_, "name");
    attach("org_id", "organization", organizations_, "name");
    attach("user_id", "user", users_, "name");
    return out;
  }

  Json render_deal(const Json& deal) const {
    if (!v1_deals_) return deal;
    Json out;
    for (const auto& [key, value] : deal) {
      const std::string name(key);
      if (name == "custom_fields") {
        if (value.is_object())
          for (const auto& [field, field_value] : value.get_object()) out[field] = field_value;
      } else if (name == "is_deleted") {
        const bool deleted = value.is_bool() && value.get_bool();
        out["deleted"] = deleted;
        out["active"] = !deleted;
      } else if (name == "owner_id" && value.is_int64()) {
        const std::int64_t id = value.get_int64();
        Json user;
        user["id"] = id;
        user["name"] = name_of(users_, id);
        const auto it = users_.find(id);
        user["email"] = it != users_.end() && it->second.contains("email") ? it->second.at("email")
                                                                           : boost::json::value();
        user["has_pic"] = 0;
        user["pic_hash"] = nullptr;
        user["active_flag"] = true;
        user["value"] = id;
        out["user_id"] = std::move(user);
      } else if ((name == "person_id" || name == "org_id") && value.is_int64()) {
        const std::int64_t id = value.get_int64();
        Json nested;
        nested["name"] = name_of(name == "person_id" ? persons_ : organizations_, id);
        nested["active_flag"] = true;
        nested["owner_id"] = nullptr;
        nested["value"] = id;
        out[name] = std::move(nested);
      } else if (name.ends_with("_time") && value.is_string()) {
        const auto t = time_of(&value);
        out[name] = t ? boost::json::value(v1_text(*t)) : value;
      } else {
        out[name] = value;
      }
    }
    if (!out.contains("user_id")) out["user_id"] = nullptr;
    out["rotten_time"] = nullptr;
    return out;
  }

  Answer single(const Json& item) {
    Json body;
    body["success"] = true;
    body["data"] = item;
    body["additional_data"] = nullptr;
    return json_answer(200, body);
  }

  Answer patch(std::int64_t id, Json& deal, const std::string& text) {
    static const std::set<std::string> writable{
        "title",       "owner_id",     "person_id",     "org_id",
        "pipeline_id", "stage_id",     "value",         "currency",
        "status",      "probability",  "lost_reason",   "visible_to",
        "close_time",  "won_time",     "lost_time",     "expected_close_date",
        "is_archived", "archive_time", "custom_fields", "label_ids",
        "is_deleted"};
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object())
      throw std::invalid_argument("Validation failed: body: Expected object");
    const Json& changes = parsed.get_object();
    for (const auto& [key, value] : changes)
      if (!writable.contains(std::string(key)))
        throw std::invalid_argument("Validation failed: unknown field " + std::string(key));
    const std::string now = stamp(Form::v2);
    for (const auto& [key, value] : changes) {
      if (key == "custom_fields" && value.is_object()) {
        Json& custom = deal["custom_fields"].is_object()
                           ? deal["custom_fields"].as_object()
                           : (deal["custom_fields"] = Json{}).as_object();
        for (const auto& [field, field_value] : value.get_object()) custom[field] = field_value;
        continue;
      }
      if (key == "stage_id" && deal["stage_id"] != value) deal["stage_change_time"] = now;
      if (key == "status" && value.is_string() && deal["status"] != value) {
        if (value.get_string() == "won") deal["won_time"] = now;
        if (value.get_string() == "lost") deal["lost_time"] = now;
        if (value.get_string() != "open") deal["close_time"] = now;
      }
      deal[key] = value;
    }
    deal["update_time"] = now;
    patches_.emplace_back(id, changes);
    return single(render_deal(deal));
  }

  std::mutex mutex_;
  std::string token_;
  Table users_, pipelines_, stages_, organizations_, persons_, deals_, notes_;
  Timestamp latest_ = std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);
  bool v1_deals_ = false;
  bool last_cursor_absent_ = false;
  int burst_limit_ = 100;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
  int window_count_ = 0;
  std::int64_t daily_limit_ = 1'000'000;
  std::int64_t daily_remaining_ = 1'000'000;
  std::optional<std::chrono::seconds> budget_retry_after_;
  int scripted_429s_ = 0;
  int scripted_reset_ = 1;
  bool forbid_after_429_ = false;
  unsigned last_status_ = 0;
  std::vector<Failure> failures_;
  std::vector<std::string> log_;
  std::map<std::string, std::size_t> per_path_;
  std::map<unsigned, std::size_t> statuses_;
  std::string last_body_;
  std::vector<std::pair<std::int64_t, Json>> patches_;
  FakeServer server_;  // last: its thread stops before the state goes
};

}  // namespace crmd::test
