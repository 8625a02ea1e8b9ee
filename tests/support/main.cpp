// Integration and HTTP tests need the PostgreSQL that scripts/test starts.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!std::getenv("DATABASE_URL")) {
    std::fprintf(stderr, "DATABASE_URL is not set: run these tests through scripts/test\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}
