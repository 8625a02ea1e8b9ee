// The import job between batches: stopped after its first batch (as at
// shutdown, or a worker that died) it resumes from its checkpoint under a
// new lease, every row landing once; cancelled, it keeps what it committed
// and says so.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "actors/jobs/contact_import.hpp"
#include "storage/blob/local_blob_store.hpp"
#include "support/test_support.hpp"

namespace crmd::actors {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class ImportJobTest : public ::testing::Test {
 protected:
  ImportJobTest() {
    std::filesystem::create_directories(dir);
    std::ofstream csv(dir / "people.csv");
    csv << "Email,First Name\n";
    for (int i = 0; i < 500; ++i) csv << tag << "." << i << "@example.com,P" << i << "\n";
  }
  ~ImportJobTest() override { std::filesystem::remove_all(dir); }

  // Claims the job under owner's lease and runs the handler to its end:
  // after one batch when stopping, or when a cancel was asked.
  void run(const std::string& owner, bool stopping_after_a_batch, bool cancel = false) {
    const auto claimed = io.run(jobs.claim(owner, {kind}, 10, 30s));
    ASSERT_EQ(claimed.size(), 1u);
    if (cancel) io.run(jobs.request_cancel(id));
    std::atomic<bool> stopping{stopping_after_a_batch};
    JobContext context(claimed.at(0), {id, owner, claimed.at(0).attempts}, jobs, stopping);
    try {
      auto outcome = io.run(handler(context));
      EXPECT_FALSE(stopping_after_a_batch);
      io.run(jobs.finish(context.lease(), outcome.status, outcome.result, outcome.error));
    } catch (const JobInterrupted&) {
      EXPECT_TRUE(stopping_after_a_batch);
      io.run(jobs.release(context.lease(), 0ms, "stopped", false));
    }
  }
  std::int64_t landed() {
    return test::db_query("SELECT count(DISTINCT email) FROM contacts WHERE email LIKE $1",
                          pg::Params(tag + ".%"))
        .one()
        .get<std::int64_t>(0);
  }

  test::RunningServer server;
  test::IoThreads io;
  asio::thread_pool blocking{1};
  storage::JobRepository& jobs = server.app().jobs().repository();
  std::filesystem::path dir = std::filesystem::temp_directory_path() / test::unique_name("blobs");
  std::string tag = test::unique_name("import");
  std::string kind = test::unique_name("import_kind");  // no server's handler claims it
  storage::LocalBlobStore store{dir.string(), blocking};
  JobHandler handler = contact_import_handler(server.app().db(), blocking, {&store, 200, {}});
  Uuid id = test::db_query("INSERT INTO jobs (kind, payload) VALUES ($1, $2::jsonb) RETURNING id",
                           pg::Params(kind, std::string(R"({"file":"people.csv"})")))
                .one()
                .get<Uuid>(0);
};

TEST_F(ImportJobTest, AnInterruptedImportResumesAfterItsLastCommittedBatch) {
  run("first-worker", true);
  const auto halfway = *io.run(jobs.find(id));
  EXPECT_EQ(halfway.status, "pending");
  EXPECT_EQ(halfway.progress.processed, 200);
  EXPECT_TRUE(halfway.checkpoint.is_object());

  run("second-worker", false);
  const auto done = *io.run(jobs.find(id));
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.progress.processed, 500);
  EXPECT_EQ(done.progress.created, 500);
  EXPECT_EQ(landed(), 500);
}

TEST_F(ImportJobTest, ACancelledImportKeepsWhatItCommittedAndSaysSo) {
  run("worker", false, true);
  const auto cancelled = *io.run(jobs.find(id));
  EXPECT_EQ(cancelled.status, "cancelled");
  EXPECT_EQ(cancelled.result.at("created"), 200);
  EXPECT_EQ(landed(), 200);
}

}  // namespace
}  // namespace crmd::actors
