// An import stopped after its first batch (as at shutdown, or a worker that
// died) resumes from its checkpoint under a new lease: every row lands once.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actors/contact_import.hpp"
#include "support/test_support.hpp"

namespace crmd::actors {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(ImportResume, AnInterruptedImportResumesAfterItsLastCommittedBatch) {
  test::RunningServer server;
  test::IoThreads io;
  asio::thread_pool blocking{1};
  auto& jobs = server.app().jobs().repository();
  const auto dir = std::filesystem::temp_directory_path() / test::unique_name("blobs");
  std::filesystem::create_directories(dir);
  const auto tag = test::unique_name("resume");
  {
    std::ofstream csv(dir / "people.csv");
    csv << "Email,First Name\n";
    for (int i = 0; i < 500; ++i) csv << tag << "." << i << "@example.com,P" << i << "\n";
  }
  const auto handler = contact_import_handler(server.app().db(), blocking, {dir.string(), 200, {}});
  const auto kind = test::unique_name("import");  // no server's handler claims it
  const auto id =
      test::db_query("INSERT INTO jobs (kind, payload) VALUES ($1, $2::jsonb) RETURNING id",
                     pg::Params(kind, std::string(R"({"file":"people.csv","mode":"upsert"})")))
          .one()
          .get<Uuid>(0);
  const auto run = [&](const std::string& owner, bool stop_after_a_batch) {
    const auto claimed = io.run(jobs.claim(owner, {kind}, 10, 30s));
    EXPECT_EQ(claimed.size(), 1u);
    std::atomic<bool> stopping{stop_after_a_batch};
    JobContext context(claimed.at(0), {id, owner, claimed.at(0).attempts}, jobs, stopping);
    try {
      auto outcome = io.run(handler(context));
      EXPECT_FALSE(stop_after_a_batch);
      io.run(jobs.finish(context.lease(), outcome.status, outcome.result, outcome.error));
    } catch (const JobInterrupted&) {
      EXPECT_TRUE(stop_after_a_batch);
      io.run(jobs.release(context.lease(), 0ms, "stopped", false));
    }
  };

  run("first-worker", true);
  auto halfway = *io.run(jobs.find(id));
  EXPECT_EQ(halfway.status, "pending");
  EXPECT_EQ(halfway.progress.processed, 200);
  EXPECT_TRUE(halfway.checkpoint.is_object());

  run("second-worker", false);
  const auto done = *io.run(jobs.find(id));
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.progress.processed, 500);
  EXPECT_EQ(done.progress.created, 500);
  const auto landed =
      test::db_query("SELECT count(*), count(DISTINCT email) FROM contacts WHERE email LIKE $1",
                     pg::Params(tag + ".%"));
  EXPECT_EQ(landed.one().get<std::int64_t>(0), 500);
  EXPECT_EQ(landed.one().get<std::int64_t>(1), 500);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crmd::actors
