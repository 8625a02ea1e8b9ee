#include "storage/pipedrive/client.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "domain/common/clock.hpp"
#include "domain/common/error.hpp"

namespace crmd::pipedrive {

namespace asio = boost::asio;
namespace json = boost::json;
using web::HttpRequest;
using web::HttpResponse;

namespace {

constexpr std::string_view service = "pipedrive";  // the metrics label
constexpr int max_page_limit = 500;                // Pipedrive refuses more
constexpr int max_user_pages = 1000;               // a loop guard for /v1/users

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Whole seconds, rounded down: Pipedrive's filters are inclusive (>=), so
// this only widens the window.
std::string seconds_rfc3339(Timestamp t) {
  return format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
}

void add_param(std::string& query, std::string_view name, std::string_view value) {
  query += query.empty() ? '?' : '&';
  query += name;
  query += '=';
  query += percent_encode(value);
}

int seconds_until(Timestamp until, Timestamp now) {
  const auto wait = std::chrono::ceil<std::chrono::seconds>(until - now).count();
  return static_cast<int>(std::clamp<std::int64_t>(wait, 1, 366LL * 24 * 3600));
}

Error budget_error(Timestamp until, Timestamp now) {
  Error error(ErrorKind::rate_limited, "pipedrive_budget_exhausted",
              "Pipedrive's daily API token budget is spent until " + format_rfc3339(until));
  error.retry_after(seconds_until(until, now));
  return error;
}

std::string answer_text(const HttpResponse& response) {
  std::string text = "Pipedrive answered " + std::to_string(response.status);
  if (const auto error = api_error_of(response.body)) {
    if (!error->error.empty()) text += ": " + error->error;
    if (!error->error_info.empty()) text += " (" + error->error_info + ")";
  }
  return text;
}

[[noreturn]] void throw_answer(const HttpResponse& response) {
  const std::string message = answer_text(response);
  if (response.status == 401)
    throw Error(ErrorKind::unavailable, "pipedrive_unauthorized",
                message + "; the API token is invalid or revoked");
  if (response.status == 404) throw Error(ErrorKind::not_found, "pipedrive_not_found", message);
  throw Error(ErrorKind::unavailable, "pipedrive_error", message);
}

}  // namespace

web::RetryPolicy pipedrive_retry_policy() {
  web::RetryPolicy policy;
  policy.classify_answer = [](const HttpResponse& response) -> std::optional<web::Verdict> {
    // The client paces 429s itself (burst window, daily budget, escalation).
    if (response.status == 429) return web::Verdict::permanent;
    // No credentials to refresh: an api_token is valid or it is not.
    if (response.status == 401) return web::Verdict::permanent;
    return std::nullopt;
  };
  return policy;
}

PipedriveClient::PipedriveClient(web::HttpClient& http, PipedriveOptions options,
                                 web::RetryPolicy policy)
    : http_(http), options_(std::move(options)), policy_(std::move(policy)) {}

RateLimitState PipedriveClient::rate_limit() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::chrono::milliseconds PipedriveClient::before_request() {
  std::lock_guard lock(mutex_);
  const Timestamp now = current_time();
  if (budget_until_) {
    if (now < *budget_until_) throw budget_error(*budget_until_, now);
    budget_until_.reset();
  }
  if (!resume_at_) return std::chrono::milliseconds(0);
  const auto left = *resume_at_ - std::chrono::steady_clock::now();
  resume_at_.reset();
  if (left <= std::chrono::steady_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}

PaceVerdict PipedriveClient::after_answer(const HttpResponse& response) {
  std::lock_guard lock(mutex_);
  const Timestamp now = current_time();
  PaceVerdict verdict = judge_answer(state_, response, now, options_.pacing);
  if (verdict.pace == Pace::wait) {
    const auto pause = std::min<std::chrono::milliseconds>(
        verdict.wait, std::chrono::milliseconds(options_.max_wait));
    resume_at_ = std::chrono::steady_clock::now() + pause;
  } else {
    resume_at_.reset();
  }
  if (verdict.pace == Pace::budget_exhausted) budget_until_ = verdict.until;
  return verdict;
}

HttpRequest PipedriveClient::get(std::string path_and_query) const {
  HttpRequest request;
  request.method = "GET";
  request.url = options_.base_url + path_and_query;
  return request;
}

std::string PipedriveClient::list_query(const ListQuery& query, bool with_status) const {
  std::string out;
  add_param(out, "limit", std::to_string(std::clamp(options_.page_limit, 1, max_page_limit)));
  if (!query.sort_by.empty()) add_param(out, "sort_by", query.sort_by);
  if (!query.sort_direction.empty()) add_param(out, "sort_direction", query.sort_direction);
  if (query.updated_since) add_param(out, "updated_since", seconds_rfc3339(*query.updated_since));
  if (query.updated_until) add_param(out, "updated_until", seconds_rfc3339(*query.updated_until));
  if (with_status && query.status) add_param(out, "status", *query.status);
  if (query.cursor) add_param(out, "cursor", *query.cursor);
  return out;
}

asio::awaitable<HttpResponse> PipedriveClient::exchange(HttpRequest request) {
  // The token goes in the header only: URLs end up in logs.
  request.headers.emplace_back("x-api-token", options_.api_token);
  request.headers.emplace_back("Accept", "application/json");
  request.timeout = options_.timeout;
  request.max_response_bytes = 64 * 1024 * 1024;
  int throttled = 0;
  for (;;) {
    const std::chrono::milliseconds wait = before_request();
    if (wait.count() > 0) {
      auto executor = co_await asio::this_coro::executor;
      asio::steady_timer timer(executor, wait);
      co_await timer.async_wait(asio::use_awaitable);
    }
    HttpRequest attempt = request;
    HttpResponse response = co_await http_.send_with_retries(std::move(attempt), policy_, service);
    const PaceVerdict verdict = after_answer(response);
    if (verdict.pace == Pace::hard_stop)
      throw Error(ErrorKind::unavailable, "pipedrive_rate_limited_forbidden",
                  answer_text(response) +
                      " right after a 429: Pipedrive escalated its rate limit; stop until it is "
                      "looked into");
    if (verdict.pace == Pace::budget_exhausted) throw budget_error(*verdict.until, current_time());
    if (response.status == 429) {
      ++throttled;
      const bool too_long = verdict.wait > std::chrono::milliseconds(options_.max_wait);
      if (throttled > options_.max_rate_limit_retries || too_long) {
        Error error(ErrorKind::rate_limited, "pipedrive_rate_limited",
                    "Pipedrive still answers 429 (burst limit) after " + std::to_string(throttled) +
                        " attempts");
        error.retry_after(static_cast<int>(std::max<std::int64_t>(
            1, std::chrono::ceil<std::chrono::seconds>(verdict.wait).count())));
        throw error;
      }
      continue;  // after the window, at the top of the loop
    }
    if (response.status < 200 || response.status >= 300) throw_answer(response);
    co_return response;
  }
}

asio::awaitable<Page<User>> PipedriveClient::users() {
  Page<User> all;
  std::optional<std::int64_t> start;
  for (int pages = 0; pages < max_user_pages; ++pages) {
    std::string query;
    if (start) {
      add_param(query, "start", std::to_string(*start));
      add_param(query, "limit", std::to_string(std::clamp(options_.page_limit, 1, max_page_limit)));
    }
    HttpRequest request = get("/v1/users" + query);
    const HttpResponse response = co_await exchange(std::move(request));
    Page<User> page = parse_page<User>(response.body);
    for (auto& user : page.items) all.items.push_back(std::move(user));
    for (auto& problem : page.problems) all.problems.push_back(std::move(problem));
    if (!page.next_start || (start && *page.next_start <= *start)) co_return all;
    start = page.next_start;
  }
  co_return all;
}

asio::awaitable<Page<Pipeline>> PipedriveClient::pipelines(std::optional<std::string> cursor) {
  std::string query;
  add_param(query, "limit", std::to_string(std::clamp(options_.page_limit, 1, max_page_limit)));
  if (cursor) add_param(query, "cursor", *cursor);
  HttpRequest request = get("/api/v2/pipelines" + query);
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Pipeline>(response.body);
}

asio::awaitable<Page<Stage>> PipedriveClient::stages(std::optional<std::string> cursor,
                                                     std::optional<std::int64_t> pipeline_id) {
  std::string query;
  add_param(query, "limit", std::to_string(std::clamp(options_.page_limit, 1, max_page_limit)));
  if (pipeline_id) add_param(query, "pipeline_id", std::to_string(*pipeline_id));
  if (cursor) add_param(query, "cursor", *cursor);
  HttpRequest request = get("/api/v2/stages" + query);
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Stage>(response.body);
}

asio::awaitable<Page<Organization>> PipedriveClient::organizations(ListQuery query) {
  HttpRequest request = get("/api/v2/organizations" + list_query(query, false));
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Organization>(response.body);
}

asio::awaitable<Page<Person>> PipedriveClient::persons(ListQuery query) {
  HttpRequest request = get("/api/v2/persons" + list_query(query, false));
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Person>(response.body);
}

asio::awaitable<Page<Deal>> PipedriveClient::deals(ListQuery query) {
  HttpRequest request = get("/api/v2/deals" + list_query(query, true));
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Deal>(response.body);
}

asio::awaitable<Page<Deal>> PipedriveClient::archived_deals(ListQuery query) {
  HttpRequest request = get("/api/v2/deals/archived" + list_query(query, true));
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Deal>(response.body);
}

asio::awaitable<Page<Note>> PipedriveClient::notes(NotesQuery query) {
  std::string params;
  add_param(params, "start", std::to_string(std::max<std::int64_t>(0, query.start)));
  add_param(params, "limit", std::to_string(std::clamp(options_.page_limit, 1, max_page_limit)));
  add_param(params, "sort", "update_time ASC");
  if (query.updated_since)
    add_param(params, "updated_since", seconds_rfc3339(*query.updated_since));
  if (query.deal_id) add_param(params, "deal_id", std::to_string(*query.deal_id));
  HttpRequest request = get("/v1/notes" + params);
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_page<Note>(response.body);
}

asio::awaitable<Page<std::int64_t>> PipedriveClient::deal_ids(std::optional<std::string> cursor,
                                                              bool archived) {
  ListQuery query;
  query.sort_by = "id";
  query.cursor = std::move(cursor);
  const std::string path = archived ? "/api/v2/deals/archived" : "/api/v2/deals";
  HttpRequest request = get(path + list_query(query, false));
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_id_page(response.body);
}

asio::awaitable<Deal> PipedriveClient::patch_deal(std::int64_t id, json::object changes) {
  HttpRequest request;
  request.method = "PATCH";
  request.url = options_.base_url + "/api/v2/deals/" + std::to_string(id);
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = json::serialize(changes);
  const HttpResponse response = co_await exchange(std::move(request));
  co_return parse_single<Deal>(response.body);
}

}  // namespace crmd::pipedrive
