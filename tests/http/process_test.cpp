// The real binary: settings errors, start-up, SIGTERM and its exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>

#include "support/test_support.hpp"

namespace crmd {
namespace {

struct Child {
  pid_t pid = -1;
  FILE* output = nullptr;  // the child's stderr

  // Reads lines until one contains text; false at end of output.
  bool wait_for_line(const std::string& text, std::string* seen = nullptr) {
    char line[4096];
    while (std::fgets(line, sizeof line, output)) {
      if (seen) *seen += line;
      if (std::strstr(line, text.c_str())) return true;
    }
    return false;
  }
  // The rest of the output is read first: a child writing more than a pipe
  // holds (a sanitizer's report) would otherwise never exit.
  int wait_exit(std::string* rest = nullptr) {
    char line[4096];
    while (output && std::fgets(line, sizeof line, output))
      if (rest) *rest += line;
    int status = 0;
    waitpid(pid, &status, 0);
    if (output) std::fclose(output);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

Child spawn(const std::vector<std::string>& env, const std::vector<std::string>& args = {}) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv{const_cast<char*>(CRMD_BINARY)};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(CRMD_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fdopen(fds[0], "r")};
}

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST(Process, SigtermDrainsAndExitsZero) {
  const auto port = free_port();
  auto child = spawn({"DATABASE_URL=" + test::database_url(),
                      "CRMD_LISTEN=127.0.0.1:" + std::to_string(port), "CRMD_THREADS=2"});
  std::string log;
  ASSERT_TRUE(child.wait_for_line("listening on", &log)) << log;
  test::RawClient client(port);
  EXPECT_EQ(client.request("GET", "/ready").result_int(), 200);
  kill(child.pid, SIGTERM);
  EXPECT_TRUE(child.wait_for_line("stopped", &log)) << log;
  std::string rest;
  EXPECT_EQ(child.wait_exit(&rest), 0) << rest.substr(0, 8000);
}

TEST(Process, ABadSettingStopsStartUpNamingIt) {
  auto child = spawn({"DATABASE_URL=" + test::database_url(), "CRMD_THREADS=lots"});
  std::string log;
  EXPECT_TRUE(child.wait_for_line("CRMD_THREADS", &log)) << log;
  EXPECT_EQ(child.wait_exit(), 2);
}

TEST(Process, WithoutDatabaseUrlAndEmbeddedOffItRefusesToStart) {
  auto child = spawn({"CRMD_EMBEDDED_DB=false", "CRMD_DATA_DIR=/nonexistent/crmd"});
  std::string log;
  EXPECT_TRUE(child.wait_for_line("DATABASE_URL", &log)) << log;
  EXPECT_EQ(child.wait_exit(), 2);
}

TEST(Process, StartUpNamesTheDatabaseWithoutSecrets) {
  const auto port = free_port();
  auto child = spawn({"DATABASE_URL=" + test::database_url() + " password=hunter2-secret",
                      "CRMD_LISTEN=127.0.0.1:" + std::to_string(port), "CRMD_THREADS=1"});
  std::string log;
  ASSERT_TRUE(child.wait_for_line("listening on", &log)) << log;
  kill(child.pid, SIGTERM);
  child.wait_for_line("stopped", &log);
  child.wait_exit();
  EXPECT_NE(log.find("database: database postgres on"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
}

TEST(Process, HelpListsTheSettings) {
  auto child = spawn({}, {"--help"});
  std::string log;
  child.wait_for_line("<end>", &log);
  EXPECT_EQ(child.wait_exit(), 0);
  EXPECT_NE(log.find("DATABASE_URL"), std::string::npos);
  EXPECT_NE(log.find("CRMD_LISTEN"), std::string::npos);
}

TEST(Process, MigrateAppliesAndExits) {
  auto child = spawn({"DATABASE_URL=" + test::database_url()}, {"migrate"});
  std::string log;
  EXPECT_TRUE(child.wait_for_line("migrations applied", &log)) << log;
  EXPECT_EQ(child.wait_exit(), 0);
}

}  // namespace
}  // namespace crmd
