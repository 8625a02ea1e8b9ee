// The Pipedrive gateway against FakePipedrive (tests/fakes/pipedrive.hpp):
// cursor and offset paging, filters, archived and deleted deals, the token
// in its header, rate limits (a burst 429, a spent daily budget, a 403 after
// a 429), 401, 5xx retries and a deal PATCH. No database. Nothing here
// asserts on wall time: waits are real but only request counts and states
// are checked.
#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/pipedrive.hpp"
#include "storage/pipedrive/client.hpp"
#include "support/test_support.hpp"

namespace crmd::pipedrive {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;
using test::FakePipedrive;

const char* const custom_key = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

web::RetryPolicy fast(web::RetryPolicy policy) {
  policy.base_delay = 1ms;
  policy.max_delay = 5ms;
  return policy;
}

Timestamp utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0) {
  return std::chrono::sys_days(std::chrono::year(year) / month / day) + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

json::object object(std::string_view text) {
  return json::parse(text).as_object();
}

class PipedriveClientTest : public ::testing::Test {
 protected:
  PipedriveClientTest() {
    http_.emplace(io.io().get_executor(), web::OutboundOptions{});
    connect();
  }

  void connect(PipedriveOptions options) {
    client_.reset();
    client_.emplace(*http_, std::move(options), fast(pipedrive_retry_policy()));
  }
  void connect(int page_limit = 500) { connect(options(page_limit)); }
  PipedriveOptions options(int page_limit = 500) {
    PipedriveOptions o;
    o.base_url = pd.url();
    o.api_token = pd.token();
    o.page_limit = page_limit;
    return o;
  }

  template <class T>
  T run(asio::awaitable<T> work) {
    return io.run(std::move(work));
  }
  // The Error work fails with (code "" when it does not fail).
  template <class T>
  Error failure_of(asio::awaitable<T> work) {
    try {
      io.run(std::move(work));
    } catch (const Error& e) {
      return e;
    }
    return Error(ErrorKind::internal, "", "no failure");
  }
  PipedriveClient& client() { return *client_; }

  // Every page of one deal query.
  std::vector<Deal> all_deals(ListQuery query, bool archived = false, int* pages = nullptr) {
    std::vector<Deal> out;
    for (int n = 1;; ++n) {
      Page<Deal> page = archived ? run(client().archived_deals(query)) : run(client().deals(query));
      EXPECT_TRUE(page.problems.empty());
      for (auto& deal : page.items) out.push_back(std::move(deal));
      if (!page.next_cursor) {
        if (pages) *pages = n;
        return out;
      }
      EXPECT_FALSE(page.next_start);
      query.cursor = page.next_cursor;
    }
  }
  static std::vector<std::int64_t> ids_of(const std::vector<Deal>& deals) {
    std::vector<std::int64_t> ids;
    for (const auto& deal : deals) ids.push_back(deal.id);
    return ids;
  }
  std::vector<std::string> requests_to(std::string_view path) {
    std::vector<std::string> out;
    for (auto& line : pd.log())
      if (contains(line, path)) out.push_back(line);
    return out;
  }

  test::IoThreads io;
  FakePipedrive pd;
  std::optional<web::HttpClient> http_;  // these go before io, as the client requires
  std::optional<PipedriveClient> client_;
};

TEST_F(PipedriveClientTest, EveryDealPageFollowsTheCursorToTheEnd) {
  const auto ids = pd.seed_deals(7);
  connect(3);
  int pages = 0;
  const auto deals = all_deals(ListQuery{}, false, &pages);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids_of(deals), ids);  // by update_time, then id
  const auto requests = requests_to("/api/v2/deals");
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    EXPECT_TRUE(request.starts_with("GET /api/v2/deals?")) << request;
    EXPECT_TRUE(contains(request, "limit=3")) << request;
    EXPECT_TRUE(contains(request, "sort_by=update_time")) << request;
    EXPECT_TRUE(contains(request, "sort_direction=asc")) << request;
    EXPECT_FALSE(contains(request, "status=")) << request;
  }
  EXPECT_FALSE(contains(requests[0], "cursor="));
  EXPECT_TRUE(contains(requests[1], "cursor="));
  EXPECT_TRUE(contains(requests[2], "cursor="));
  // The same when the last page leaves next_cursor out instead of null.
  pd.set_last_cursor_absent();
  EXPECT_EQ(ids_of(all_deals(ListQuery{})), ids);
  EXPECT_EQ(requests_to("/api/v2/deals").size(), 6u);
}

TEST_F(PipedriveClientTest, ChangesWhilePagingNeitherLoseNorShiftDeals) {
  const auto ids = pd.seed_deals(4);
  connect(2);
  Page<Deal> first = run(client().deals(ListQuery{}));
  ASSERT_EQ(first.items.size(), 2u);
  ASSERT_TRUE(first.next_cursor);
  // Meanwhile: a new deal, and one already seen is changed (it moves last).
  const auto added = pd.put_deal(object(R"({"title": "New"})"));
  pd.update_deal(ids[0], object(R"({"title": "Renamed"})"));
  ListQuery query;
  query.cursor = first.next_cursor;
  std::vector<Deal> rest = all_deals(query);
  EXPECT_EQ(ids_of(rest), (std::vector<std::int64_t>{ids[2], ids[3], added, ids[0]}));
  EXPECT_EQ(rest.back().title, "Renamed");
}

TEST_F(PipedriveClientTest, UpdatedSinceIsInclusiveAndDeletedDealsComeOnlyWhenAsked) {
  const auto a = pd.put_deal(object(R"({"title": "A", "update_time": "2026-02-01T09:00:00Z"})"));
  const auto b = pd.put_deal(object(R"({"title": "B", "update_time": "2026-02-01T10:00:00Z"})"));
  const auto c = pd.put_deal(object(R"({"title": "C", "update_time": "2026-02-01T10:00:00Z"})"));
  const auto d = pd.put_deal(object(R"({"title": "D", "update_time": "2026-02-02T08:30:00Z",
                                        "status": "won", "won_time": "2026-02-02T08:30:00Z"})"));
  ListQuery since;
  since.updated_since = utc(2026, 2, 1, 10) + std::chrono::milliseconds(999);  // rounded down
  auto deals = all_deals(since);
  EXPECT_EQ(ids_of(deals), (std::vector<std::int64_t>{b, c, d}));
  EXPECT_TRUE(
      contains(requests_to("/api/v2/deals").back(), "updated_since=2026-02-01T10%3A00%3A00Z"))
      << requests_to("/api/v2/deals").back();
  EXPECT_EQ(deals.back().status, "won");
  EXPECT_EQ(deals.back().won_time, utc(2026, 2, 2, 8, 30));

  pd.delete_deal(b);
  EXPECT_EQ(ids_of(all_deals(ListQuery{})), (std::vector<std::int64_t>{a, c, d}));
  ListQuery deleted;
  deleted.status = "deleted";
  deals = all_deals(deleted);
  ASSERT_EQ(ids_of(deals), std::vector<std::int64_t>{b});
  EXPECT_TRUE(deals[0].deleted);
  EXPECT_EQ(deals[0].status, "deleted");
  EXPECT_GT(*deals[0].update_time, utc(2026, 2, 2, 8, 30));  // the delete bumped it
  EXPECT_TRUE(contains(requests_to("/api/v2/deals").back(), "status=deleted"));
  // With a watermark: only what was deleted since.
  deleted.updated_since = *deals[0].update_time;
  EXPECT_EQ(all_deals(deleted).size(), 1u);
  deleted.updated_since = *deals[0].update_time + std::chrono::seconds(1);
  EXPECT_TRUE(all_deals(deleted).empty());
  ListQuery open_won;
  open_won.status = "open,won,lost";
  EXPECT_EQ(ids_of(all_deals(open_won)), (std::vector<std::int64_t>{a, c, d}));
  EXPECT_TRUE(contains(requests_to("/api/v2/deals").back(), "status=open%2Cwon%2Clost"));
  // A purged deal is gone even from status=deleted.
  pd.purge_deal(b);
  deleted.updated_since.reset();
  EXPECT_TRUE(all_deals(deleted).empty());
}

TEST_F(PipedriveClientTest, ArchivedDealsAreListedApartAndIdsCoverBoth) {
  const auto ids = pd.seed_deals(5);
  pd.archive_deal(ids[1]);
  pd.archive_deal(ids[3]);
  pd.delete_deal(ids[4]);
  connect(2);
  EXPECT_EQ(ids_of(all_deals(ListQuery{})), (std::vector<std::int64_t>{ids[0], ids[2]}));
  const auto archived = all_deals(ListQuery{}, true);
  ASSERT_EQ(ids_of(archived), (std::vector<std::int64_t>{ids[1], ids[3]}));
  EXPECT_TRUE(archived[0].archived);
  EXPECT_TRUE(archived[0].archive_time);
  EXPECT_FALSE(archived[0].deleted);
  EXPECT_EQ(requests_to("/api/v2/deals/archived").size(), 1u);

  // The id listing for reconciliation: by id, every page.
  std::vector<std::int64_t> live, kept;
  for (const bool in_archive : {false, true}) {
    std::optional<std::string> cursor;
    do {
      Page<std::int64_t> page = run(client().deal_ids(cursor, in_archive));
      for (auto id : page.items) (in_archive ? kept : live).push_back(id);
      cursor = page.next_cursor;
    } while (cursor);
  }
  EXPECT_EQ(live, (std::vector<std::int64_t>{ids[0], ids[2]}));
  EXPECT_EQ(kept, (std::vector<std::int64_t>{ids[1], ids[3]}));
  EXPECT_TRUE(contains(requests_to("sort_by=id").front(), "/api/v2/deals?"));
}

TEST_F(PipedriveClientTest, NotesPageByOffsetInUpdateOrder) {
  for (int i = 0; i < 5; ++i)
    pd.put_note(object(R"({"content": "<p>Note )" + std::to_string(i) +
                       R"(</p>", "deal_id": 1, "user_id": 7, "add_time": "2026-01-0)" +
                       std::to_string(i + 1) + R"( 10:00:00", "update_time": "2026-01-0)" +
                       std::to_string(5 - i) + R"( 10:00:00"})"));
  connect(2);
  std::vector<Note> notes;
  NotesQuery query;
  for (;;) {
    Page<Note> page = run(client().notes(query));
    EXPECT_FALSE(page.next_cursor);
    for (auto& note : page.items) notes.push_back(std::move(note));
    if (!page.next_start) break;
    query.start = *page.next_start;
  }
  ASSERT_EQ(notes.size(), 5u);
  for (std::size_t i = 1; i < notes.size(); ++i)
    EXPECT_LT(*notes[i - 1].update_time, *notes[i].update_time);
  EXPECT_EQ(notes.front().content, "<p>Note 4</p>");
  EXPECT_EQ(notes.front().deal_id, 1);
  EXPECT_EQ(notes.front().user_id, 7);
  const auto requests = requests_to("/v1/notes");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(contains(requests[0], "start=0")) << requests[0];
  EXPECT_TRUE(contains(requests[1], "start=2")) << requests[1];
  EXPECT_TRUE(contains(requests[2], "start=4")) << requests[2];
  EXPECT_TRUE(contains(requests[0], "sort=update_time%20ASC")) << requests[0];
  // updated_since, inclusive.
  NotesQuery since;
  since.updated_since = utc(2026, 1, 4, 10);
  const Page<Note> recent = run(client().notes(since));
  EXPECT_EQ(recent.items.size(), 2u);
  EXPECT_FALSE(recent.next_start);
  EXPECT_TRUE(contains(requests_to("/v1/notes").back(), "updated_since=2026-01-04T10%3A00%3A00Z"));
  // Nothing: v1's data: null.
  since.updated_since = utc(2027, 1, 1);
  EXPECT_TRUE(run(client().notes(since)).items.empty());
}

TEST_F(PipedriveClientTest, UsersComeInOneAnswerInactiveOnesIncluded) {
  pd.put_user(object(R"({"id": 7, "name": "Ann", "email": "ann@example.com"})"));
  pd.put_user(
      object(R"({"id": 8, "name": "Ben", "email": "ben@example.com", "active_flag": false})"));
  const Page<User> users = run(client().users());
  ASSERT_EQ(users.items.size(), 2u);
  EXPECT_TRUE(users.problems.empty());
  EXPECT_EQ(users.items[0].name, "Ann");
  EXPECT_TRUE(users.items[0].active);
  EXPECT_EQ(users.items[1].email, "ben@example.com");
  EXPECT_FALSE(users.items[1].active);
  EXPECT_EQ(pd.requests("/v1/users"), 1u);
}

TEST_F(PipedriveClientTest, PipelinesStagesPersonsAndOrganizations) {
  pd.put_pipeline(object(R"({"id": 1, "name": "Sales", "is_deal_probability_enabled": false})"));
  pd.put_pipeline(object(R"({"id": 2, "name": "Renewals"})"));
  pd.put_stage(object(R"({"id": 10, "pipeline_id": 1, "name": "Lead", "is_deal_rot_enabled": true,
                          "days_to_rotten": 7})"));
  pd.put_stage(object(R"({"id": 11, "pipeline_id": 2, "name": "Due"})"));
  pd.put_organization(object(R"({"id": 3, "name": "Acme", "owner_id": 7})"));
  pd.put_person(object(R"({"id": 12, "name": "Bob", "org_id": 3, "owner_id": 7,
                           "emails": [{"value": "bob@example.com", "primary": true, "label": "work"}]})"));
  pd.put_person(object(R"({"id": 13, "name": "Gone"})"));
  pd.delete_person(13);
  connect(1);
  const Page<Pipeline> first = run(client().pipelines());
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_FALSE(first.items[0].deal_probability);
  ASSERT_TRUE(first.next_cursor);
  const Page<Pipeline> second = run(client().pipelines(first.next_cursor));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].name, "Renewals");
  EXPECT_FALSE(second.next_cursor);
  const Page<Stage> stages = run(client().stages(std::nullopt, 1));
  ASSERT_EQ(stages.items.size(), 1u);
  EXPECT_TRUE(stages.items[0].rot_enabled);
  EXPECT_EQ(stages.items[0].days_to_rotten, 7);
  EXPECT_FALSE(stages.next_cursor);
  EXPECT_TRUE(contains(requests_to("/api/v2/stages").back(), "pipeline_id=1"));
  const Page<Organization> orgs = run(client().organizations(ListQuery{}));
  ASSERT_EQ(orgs.items.size(), 1u);
  EXPECT_EQ(orgs.items[0].owner_id, 7);
  const Page<Person> persons = run(client().persons(ListQuery{}));
  ASSERT_EQ(persons.items.size(), 1u);  // the deleted one is left out
  EXPECT_EQ(persons.items[0].emails, std::vector<std::string>{"bob@example.com"});
  EXPECT_EQ(persons.items[0].org_id, 3);
}

TEST_F(PipedriveClientTest, TheTokenGoesInItsHeaderNeverInTheUrl) {
  pd.seed_deals(2);
  pd.put_note(object(R"({"content": "x"})"));
  run(client().deals(ListQuery{}));
  run(client().notes(NotesQuery{}));
  run(client().users());
  run(client().patch_deal(1, object(R"({"title": "T"})")));
  const auto received = pd.received();
  ASSERT_EQ(received.size(), 4u);
  for (const auto& request : received) {
    const std::string target(request.target());
    EXPECT_EQ(std::string(request["x-api-token"]), pd.token()) << target;
    EXPECT_FALSE(contains(target, pd.token())) << target;
    EXPECT_FALSE(contains(target, "api_token")) << target;
    EXPECT_EQ(request.find(boost::beast::http::field::authorization), request.end());
  }
}

TEST_F(PipedriveClientTest, ABurst429WaitsForTheResetAndSucceeds) {
  pd.seed_deals(2);
  pd.fail_next_with_429(1, 1);
  const Page<Deal> page = run(client().deals(ListQuery{}));
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(pd.requests("/api/v2/deals"), 2u);
  EXPECT_EQ(pd.answers_with(429), 1u);
  const RateLimitState state = client().rate_limit();
  EXPECT_EQ(state.last_verdict, "ok");
  EXPECT_EQ(state.last_status, 200u);
  EXPECT_EQ(state.answers, 2);
  EXPECT_FALSE(state.paused_until);
  EXPECT_EQ(state.limit, 100);
  EXPECT_EQ(state.daily_limit, 1'000'000);
  EXPECT_LT(*state.daily_remaining, 1'000'000);
}

TEST_F(PipedriveClientTest, A429ThatDoesNotEndFailsAfterTheBoundedRetries) {
  PipedriveOptions o = options();
  o.max_rate_limit_retries = 1;
  connect(o);
  pd.fail_next_with_429(5, 1);
  const Error error = failure_of(client().deals(ListQuery{}));
  EXPECT_EQ(error.code(), "pipedrive_rate_limited");
  EXPECT_EQ(error.kind(), ErrorKind::rate_limited);
  EXPECT_EQ(pd.requests("/api/v2/deals"), 2u);  // the first and one retry
  EXPECT_EQ(client().rate_limit().last_verdict, "wait");
}

TEST_F(PipedriveClientTest, ASpentWindowIsWaitedOutBeforeTheNextRequest) {
  pd.seed_deals(4);
  pd.set_burst_limit(3);
  connect(1);
  const auto deals = all_deals(ListQuery{});
  EXPECT_EQ(deals.size(), 4u);
  EXPECT_EQ(pd.requests("/api/v2/deals"), 4u);
  EXPECT_EQ(pd.answers_with(429), 0u);  // the client never ran into the limit
}

TEST_F(PipedriveClientTest, ASpentDailyBudgetThrowsWithItsResetAndIsNotRetried) {
  pd.seed_deals(2);
  pd.exhaust_daily_budget(3600s);
  const auto before = std::chrono::system_clock::now();
  const Error error = failure_of(client().deals(ListQuery{}));
  EXPECT_EQ(error.code(), "pipedrive_budget_exhausted");
  EXPECT_EQ(error.kind(), ErrorKind::rate_limited);
  EXPECT_GE(error.retry_after_seconds(), 3500);
  EXPECT_LE(error.retry_after_seconds(), 3600);
  EXPECT_EQ(pd.requests("/api/v2/deals"), 1u);
  RateLimitState state = client().rate_limit();
  EXPECT_EQ(state.last_verdict, "budget_exhausted");
  EXPECT_EQ(state.daily_remaining, 0);
  ASSERT_TRUE(state.paused_until);
  EXPECT_GT(*state.paused_until, before + 3500s);
  EXPECT_LE(*state.paused_until, std::chrono::system_clock::now() + 3600s);
  // Until then no call reaches Pipedrive.
  EXPECT_EQ(failure_of(client().notes(NotesQuery{})).code(), "pipedrive_budget_exhausted");
  EXPECT_EQ(pd.total_requests(), 1u);

  // Without Retry-After: the next UTC midnight.
  connect();
  pd.exhaust_daily_budget();
  EXPECT_EQ(failure_of(client().deals(ListQuery{})).code(), "pipedrive_budget_exhausted");
  state = client().rate_limit();
  ASSERT_TRUE(state.paused_until);
  EXPECT_EQ(*state.paused_until,
            next_utc_midnight(std::chrono::time_point_cast<std::chrono::microseconds>(before)));
  EXPECT_EQ(pd.requests("/api/v2/deals"), 2u);
}

TEST_F(PipedriveClientTest, A403RightAfterA429IsAHardStop) {
  pd.seed_deals(1);
  pd.forbid_after_429();
  pd.fail_next_with_429(1, 1);
  const Error error = failure_of(client().deals(ListQuery{}));
  EXPECT_EQ(error.code(), "pipedrive_rate_limited_forbidden");
  EXPECT_EQ(pd.requests("/api/v2/deals"), 2u);
  EXPECT_EQ(pd.answers_with(403), 1u);
  EXPECT_EQ(client().rate_limit().last_verdict, "hard_stop");
}

TEST_F(PipedriveClientTest, AWrongTokenIsUnauthorizedAtOnce) {
  pd.seed_deals(1);
  PipedriveOptions o = options();
  o.api_token = "revoked";
  connect(o);
  const Error error = failure_of(client().deals(ListQuery{}));
  EXPECT_EQ(error.code(), "pipedrive_unauthorized");
  EXPECT_TRUE(contains(error.detail(), "unauthorized access")) << error.detail();
  EXPECT_EQ(pd.requests("/api/v2/deals"), 1u);
  o.api_token = "";
  connect(o);
  EXPECT_EQ(failure_of(client().users()).code(), "pipedrive_unauthorized");
}

TEST_F(PipedriveClientTest, FiveHundredsAreRetriedThenReported) {
  pd.seed_deals(2);
  pd.fail_request("/api/v2/deals", 1, 1);
  EXPECT_EQ(run(client().deals(ListQuery{})).items.size(), 2u);
  EXPECT_EQ(pd.requests("/api/v2/deals"), 2u);
  pd.fail_request("/v1/notes", 1);  // for good
  const Error error = failure_of(client().notes(NotesQuery{}));
  EXPECT_EQ(error.code(), "pipedrive_error");
  EXPECT_TRUE(contains(error.detail(), "500")) << error.detail();
  EXPECT_EQ(pd.requests("/v1/notes"), 4u);  // the policy's max_attempts
}

TEST_F(PipedriveClientTest, APageLimitAbovePipedrivesIsClamped) {
  pd.seed_deals(1);
  connect(2000);
  EXPECT_EQ(run(client().deals(ListQuery{})).items.size(), 1u);
  EXPECT_TRUE(contains(requests_to("/api/v2/deals").back(), "limit=500"));
}

TEST_F(PipedriveClientTest, PatchADealForWriteBack) {
  const auto id = pd.put_deal(object(R"({"title": "Roof", "pipeline_id": 1, "stage_id": 10,
                                         "update_time": "2026-03-01T10:00:00Z"})"));
  json::object changes;
  changes["stage_id"] = 11;
  json::object custom;
  custom[custom_key] = "Order received";
  changes["custom_fields"] = custom;
  const Deal deal = run(client().patch_deal(id, changes));
  EXPECT_EQ(deal.id, id);
  EXPECT_EQ(deal.stage_id, 11);
  EXPECT_EQ(deal.title, "Roof");
  EXPECT_EQ(deal.custom_fields.at(custom_key), "Order received");
  EXPECT_GT(*deal.update_time, utc(2026, 3, 1, 10));
  EXPECT_EQ(deal.stage_change_time, deal.update_time);
  const auto patches = pd.patches();
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].first, id);
  EXPECT_EQ(patches[0].second, changes);
  const auto received = pd.received();
  EXPECT_EQ(received.back().method(), boost::beast::http::verb::patch);
  EXPECT_EQ(std::string(received.back().target()), "/api/v2/deals/" + std::to_string(id));
  EXPECT_TRUE(contains(std::string(received.back()["content-type"]), "application/json"));
  // A purged deal.
  pd.purge_deal(id);
  EXPECT_EQ(failure_of(client().patch_deal(id, changes)).code(), "pipedrive_not_found");
  // A field Pipedrive does not know: its strict validation refuses it.
  const auto other = pd.put_deal(object(R"({"title": "Other"})"));
  EXPECT_EQ(failure_of(client().patch_deal(other, object(R"({"colour": "red"})"))).code(),
            "pipedrive_error");
}

TEST_F(PipedriveClientTest, DealsInV1ShapeReadTheSame) {
  pd.put_user(object(R"({"id": 7, "name": "Ann", "email": "ann@example.com"})"));
  pd.put_person(object(R"({"id": 12, "name": "Bob"})"));
  pd.put_organization(object(R"({"id": 3, "name": "Acme"})"));
  json::object deal = object(R"({"title": "Roof", "owner_id": 7, "person_id": 12, "org_id": 3,
      "pipeline_id": 1, "stage_id": 10, "value": 900, "update_time": "2026-03-01T10:00:00Z",
      "add_time": "2026-02-01T10:00:00Z"})");
  json::object custom;
  custom[custom_key] = "Order 17";
  deal["custom_fields"] = custom;
  pd.put_deal(deal);
  std::vector<Deal> shapes;
  for (const bool v1 : {false, true}) {
    pd.serve_v1_deal_shape(v1);
    auto deals = all_deals(ListQuery{});
    ASSERT_EQ(deals.size(), 1u);
    shapes.push_back(std::move(deals[0]));
  }
  // The v1 answer really was v1's.
  const std::string body = pd.last_answer();
  EXPECT_TRUE(contains(body, R"("user_id":{"id":7)")) << body;
  EXPECT_TRUE(contains(body, "2026-03-01 10:00:00")) << body;
  for (const Deal& d : shapes) {
    EXPECT_EQ(d.owner_id, 7);
    EXPECT_EQ(d.person_id, 12);
    EXPECT_EQ(d.org_id, 3);
    EXPECT_EQ(d.value, 900);
    EXPECT_EQ(d.update_time, utc(2026, 3, 1, 10));
    EXPECT_EQ(d.add_time, utc(2026, 2, 1, 10));
    EXPECT_FALSE(d.deleted);
    EXPECT_EQ(d.custom_fields.at(custom_key), "Order 17");
  }
}

TEST_F(PipedriveClientTest, ARunThatDiesMidWayFailsOnItsPage) {
  pd.seed_deals(6);
  connect(2);
  pd.fail_request("/api/v2/deals", 2);  // the second page, and every request after it
  const Page<Deal> first = run(client().deals(ListQuery{}));
  ASSERT_EQ(first.items.size(), 2u);
  ListQuery query;
  query.cursor = first.next_cursor;
  EXPECT_EQ(failure_of(client().deals(query)).code(), "pipedrive_error");
  // Pipedrive recovers: the run resumes from the cursor it kept.
  pd.clear_failures();
  EXPECT_EQ(all_deals(query).size(), 4u);
}

// The fake's own strictness, straight over HTTP: what the gateway must
// never send.
TEST_F(PipedriveClientTest, TheFakeRefusesWhatPipedriveRefuses) {
  const auto get = [&](const std::string& target, const std::string& token) {
    web::HttpRequest request;
    request.url = pd.url() + target;
    if (!token.empty()) request.headers.emplace_back("x-api-token", token);
    return run(http_->send(std::move(request)));
  };
  auto answer = get("/api/v2/deals?limit=501", pd.token());
  EXPECT_EQ(answer.status, 400u);
  auto error = api_error_of(answer.body);
  ASSERT_TRUE(error);
  EXPECT_TRUE(contains(error->error, "limit")) << error->error;
  EXPECT_EQ(get("/api/v2/deals?api_token=x", pd.token()).status, 400u);  // unknown parameter
  EXPECT_EQ(get("/api/v2/deals?cursor=nonsense", pd.token()).status, 400u);
  EXPECT_EQ(get("/api/v2/deals?status=closed", pd.token()).status, 400u);
  answer = get("/api/v2/deals", "");
  EXPECT_EQ(answer.status, 401u);
  error = api_error_of(answer.body);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error, "unauthorized access");
  for (const char* name : {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                           "x-daily-ratelimit-token-limit", "x-daily-ratelimit-token-remaining"})
    EXPECT_TRUE(answer.header(name)) << name;
  // v1 clamps instead.
  EXPECT_EQ(get("/v1/notes?limit=900", pd.token()).status, 200u);
}

}  // namespace
}  // namespace crmd::pipedrive
