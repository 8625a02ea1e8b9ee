// Random identifiers come from the OS CSPRNG, not a per-thread engine whose
// state a forked process (or anyone who saw a few outputs) would share; the
// per-thread reserve of the OS's bytes is dropped in a forked child.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <set>
#include <thread>
#include <vector>

#include "domain/common/crypto.hpp"
#include "domain/common/uuid.hpp"

namespace crmd {
namespace {

TEST(RandomTest, AForkedProcessDrawsOtherUuidsThanItsParent) {
  (void)Uuid::random_v4();  // any per-thread state is set up before the fork
  int pipe_ends[2];
  ASSERT_EQ(pipe(pipe_ends), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto bytes = Uuid::random_v4().bytes();
    const auto written = write(pipe_ends[1], bytes.data(), bytes.size());
    _exit(written == static_cast<ssize_t>(bytes.size()) ? 0 : 1);
  }
  const auto mine = Uuid::random_v4().bytes();
  std::array<std::uint8_t, 16> theirs{};
  ASSERT_EQ(read(pipe_ends[0], theirs.data(), theirs.size()), 16);
  int status = 0;
  waitpid(child, &status, 0);
  close(pipe_ends[0]);
  close(pipe_ends[1]);
  EXPECT_NE(mine, theirs);
}

// Many times the per-thread reserve: its refills never hand out the same
// bytes twice, on this thread or another.
TEST(RandomTest, UuidsStayDistinctAcrossRefillsAndThreads) {
  auto draw = [](std::vector<Uuid>& out) {
    for (int i = 0; i < 2000; ++i) out.push_back(Uuid::random_v4());
  };
  std::vector<Uuid> here, there;
  std::thread other(draw, std::ref(there));
  draw(here);
  other.join();
  std::set<Uuid> seen(here.begin(), here.end());
  seen.insert(there.begin(), there.end());
  EXPECT_EQ(seen.size(), here.size() + there.size());
}

TEST(RandomTest, UuidsAreVersion4) {
  const auto id = Uuid::random_v4().str();
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
}

}  // namespace
}  // namespace crmd
