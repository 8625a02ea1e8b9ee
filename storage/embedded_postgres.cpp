// crmd's private PostgreSQL (see embedded_postgres.hpp).
//
// Everything here BLOCKS: it forks and waits for initdb and pg_ctl (pg_ctl -w
// waits up to 60 s for the server). It runs on the main thread before the I/O
// threads start and after they stop, never on an I/O thread.
//
// Child processes are started with fork + execv (no shell, no `su`). When crmd
// runs as root, the child drops to the `postgres` system user (setgroups,
// setgid, setuid) before exec, because PostgreSQL refuses to run as root. The
// child's output is captured through a pipe and quoted in errors.
#include "storage/embedded_postgres.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace crmd::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPostgresRoot = "/usr/lib/postgresql";
constexpr const char* kRunAsUser = "postgres";
constexpr const char* kSuperuser = "crmd";

[[noreturn]] void fail(const std::string& message) {
  throw EmbeddedPostgresError("embedded PostgreSQL: " + message);
}

// The unprivileged user the cluster runs as when crmd is root.
struct RunAs {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, resolved before fork
};

// nullopt when crmd is not root (commands run as crmd's own user).
std::optional<RunAs> run_as_user() {
  if (geteuid() != 0) return std::nullopt;
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc;
  while ((rc = getpwnam_r(kRunAsUser, &pw, buf.data(), buf.size(), &found)) == ERANGE) {
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 || found == nullptr) {
    fail(
        "running as root: PostgreSQL refuses to run as root and no unprivileged 'postgres' user "
        "exists; install postgresql (its package creates that user) or run crmd as a normal "
        "user");
  }
  RunAs as;
  as.name = pw.pw_name;
  as.uid = pw.pw_uid;
  as.gid = pw.pw_gid;
  int n = 32;
  as.groups.resize(static_cast<std::size_t>(n));
  while (getgrouplist(as.name.c_str(), as.gid, as.groups.data(), &n) < 0) {
    as.groups.resize(static_cast<std::size_t>(n) * 2);
    n = static_cast<int>(as.groups.size());
  }
  as.groups.resize(static_cast<std::size_t>(n));
  return as;
}

// In the forked child: a clean signal state, privileges dropped, then exec.
// Only async-signal-safe calls from here on (the parent may have threads).
[[noreturn]] void child_exec(const char* path, char* const argv[], const RunAs* as, int out_fd) {
  auto die = [](const char* what) {
    const char* reason = strerror(errno);
    (void)!write(2, what, strlen(what));
    (void)!write(2, ": ", 2);
    (void)!write(2, reason, strlen(reason));
    (void)!write(2, "\n", 1);
    _exit(127);
  };
  // A blocked or ignored signal would be inherited by the postmaster.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    signal(sig, SIG_DFL);
  }
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  if (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) _exit(127);
  close_range(3, ~0U, 0);  // no listening socket or pool connection leaks into postgres
  if (as != nullptr) {
    if (setgroups(as->groups.size(), as->groups.data()) != 0) die("setgroups");
    if (setgid(as->gid) != 0) die("setgid");
    if (setuid(as->uid) != 0) die("setuid");
  }
  if (chdir("/") != 0) die("chdir /");
  execv(path, argv);
  die(path);
  _exit(127);  // unreachable
}

struct CommandResult {
  int status = 0;  // as from waitpid
  std::string output;
  bool ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    line += a;
  }
  return line;
}

// Runs argv (argv[0] an absolute path) to completion, stdout and stderr captured.
CommandResult run(const std::vector<std::string>& argv, const std::optional<RunAs>& as) {
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    fail("pipe: " + std::string(std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(fds[0]);
    close(fds[1]);
    fail("fork: " + std::string(std::strerror(err)));
  }
  if (pid == 0) {
    child_exec(cargv[0], cargv.data(), as ? &*as : nullptr, fds[1]);
  }
  close(fds[1]);

  CommandResult result;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n > 0) {
      result.output.append(chunk, static_cast<std::size_t>(n));
      constexpr std::size_t kKeep = 64 * 1024;  // the tail is what errors quote
      if (result.output.size() > 2 * kKeep) result.output.erase(0, result.output.size() - kKeep);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  while (waitpid(pid, &result.status, 0) < 0) {
    if (errno != EINTR) {
      fail("waitpid for `" + command_line(argv) + "`: " + std::strerror(errno));
    }
  }
  return result;
}

std::string last_lines(const std::string& text, std::size_t count) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  std::size_t pos = end;
  for (std::size_t lines = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++lines == count) break;
  }
  return text.substr(pos, end - pos);
}

std::string file_tail(const fs::path& file, std::size_t lines) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 16 * 1024);
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return last_lines(text, lines);
}

std::string indent(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

// Major version from a directory name like "15" or "9.6"; nullopt if not numeric.
std::optional<std::vector<int>> parse_version(const std::string& name) {
  std::vector<int> parts;
  std::istringstream in(name);
  std::string part;
  while (std::getline(in, part, '.')) {
    if (part.empty() ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    parts.push_back(std::stoi(part));
  }
  if (parts.empty()) return std::nullopt;
  return parts;
}

bool executable(const fs::path& p) {
  return access(p.c_str(), X_OK) == 0;
}

// Installed versions with initdb and pg_ctl, highest first.
std::vector<std::pair<std::string, fs::path>> installed_versions() {
  std::vector<std::pair<std::vector<int>, std::pair<std::string, fs::path>>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kPostgresRoot, ec)) {
    std::string name = entry.path().filename().string();
    auto version = parse_version(name);
    fs::path bin = entry.path() / "bin";
    if (!version || !executable(bin / "initdb") || !executable(bin / "pg_ctl")) continue;
    found.push_back({*version, {name, bin}});
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::pair<std::string, fs::path>> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

// The bin dir to use: the cluster's own major version if it exists already,
// else the highest installed.
fs::path choose_bin_dir(const fs::path& cluster_dir) {
  auto versions = installed_versions();
  if (versions.empty()) {
    fail(std::string("no PostgreSQL server binaries found (looked for ") + kPostgresRoot +
         "/<version>/bin/initdb and pg_ctl); install the postgresql package or set DATABASE_URL");
  }
  std::ifstream version_file(cluster_dir / "PG_VERSION");
  std::string cluster_version;
  if (version_file && std::getline(version_file, cluster_version)) {
    for (const auto& [name, bin] : versions) {
      if (name == cluster_version) return bin;
    }
    std::string list;
    for (const auto& v : versions) list += (list.empty() ? "" : ", ") + v.first;
    fail("the cluster in " + cluster_dir.string() + " was created by PostgreSQL " +
         cluster_version + " but only version(s) " + list + " are installed; install postgresql-" +
         cluster_version + " or move that directory away to start afresh");
  }
  return versions.front().second;
}

// Every directory above the cluster must be enterable by the cluster's user,
// or the server cannot reach its own data. Checked in a child that really
// runs as that user (so ACLs and group membership count).
void check_traversable(const fs::path& cluster_dir, const RunAs& as) {
  std::vector<std::string> dirs;
  for (fs::path p = cluster_dir.parent_path();; p = p.parent_path()) {
    dirs.push_back(p.string());
    if (p == p.root_path() || p.empty()) break;
  }
  std::reverse(dirs.begin(), dirs.end());  // report the topmost blocker first
  if (dirs.size() > 250) return;           // exit codes can't index more; absurdly deep anyway

  pid_t pid = fork();
  if (pid < 0) fail("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    if (setgroups(as.groups.size(), as.groups.data()) != 0 || setgid(as.gid) != 0 ||
        setuid(as.uid) != 0) {
      _exit(255);
    }
    for (std::size_t i = 0; i < dirs.size(); ++i) {
      if (access(dirs[i].c_str(), X_OK) != 0) _exit(static_cast<int>(i) + 1);
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid: " + std::string(std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 0) return;
  int code = WEXITSTATUS(status);
  if (code == 255) fail("could not switch to user '" + as.name + "' (setgid/setuid failed)");
  const std::string& dir = dirs[static_cast<std::size_t>(code - 1)];
  std::string detail;
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    passwd* owner = getpwuid(st.st_uid);
    detail = " (owner " + (owner ? std::string(owner->pw_name) : std::to_string(st.st_uid)) +
             ", mode " + mode + ")";
  }
  fail("running as root, so the cluster runs as user '" + as.name + "', but '" + as.name +
       "' cannot enter " + dir + detail + " on the way to " + cluster_dir.string() +
       "; set CRMD_DATA_DIR to a directory whose parents '" + as.name +
       "' can traverse (e.g. under /var/lib or /tmp), or allow it (chmod o+x " + dir + ")");
}

// Gives the cluster directory and everything in it to the cluster's user.
void chown_tree(const fs::path& dir, const RunAs& as) {
  auto give = [&](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return;
    if (st.st_uid == as.uid && st.st_gid == as.gid) return;
    if (lchown(p.c_str(), as.uid, as.gid) != 0) {
      fail("chown " + p.string() + " to " + as.name + ": " + std::strerror(errno));
    }
  };
  give(dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    give(it->path());
  }
  if (ec) fail("reading " + dir.string() + ": " + ec.message());
}

// A conninfo value, quoted only when it has to be.
std::string conninfo_value(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \t\n'\\") == std::string::npos) return v;
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A word for the shell that pg_ctl hands the -o options to.
std::string shell_quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// An element of a PostgreSQL list setting (unix_socket_directories).
std::string guc_list_element(const std::string& v) {
  if (v.find_first_of(", \t\"") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool is_running(const fs::path& bin, const fs::path& cluster_dir, const std::optional<RunAs>& as) {
  if (!fs::exists(cluster_dir / "postmaster.pid")) return false;
  // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
  return run({(bin / "pg_ctl").string(), "status", "-D", cluster_dir.string()}, as).ok();
}

}  // namespace

EmbeddedPostgres::EmbeddedPostgres(fs::path cluster_dir, std::string bin_dir, std::string conninfo)
    : cluster_dir_(std::move(cluster_dir)),
      bin_dir_(std::move(bin_dir)),
      conninfo_(std::move(conninfo)) {}

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgres&& other) noexcept
    : cluster_dir_(std::move(other.cluster_dir_)),
      bin_dir_(std::move(other.bin_dir_)),
      conninfo_(std::move(other.conninfo_)),
      running_(std::exchange(other.running_, false)) {}

EmbeddedPostgres::~EmbeddedPostgres() {
  if (!running_) return;
  try {
    stop();
  } catch (const std::exception& e) {
    try {
      spdlog::error("{}", e.what());
    } catch (...) {
    }
  } catch (...) {
  }
}

EmbeddedPostgres EmbeddedPostgres::start(const fs::path& data_dir) {
  const fs::path cluster_dir = (fs::absolute(data_dir) / "pg").lexically_normal();
  const std::string dir = cluster_dir.string();

  // The socket lives in the cluster directory: its path must fit sun_path.
  constexpr std::size_t kSocketName = sizeof("/.s.PGSQL.65535") - 1;
  if (dir.size() + kSocketName >= sizeof(sockaddr_un{}.sun_path)) {
    fail("the cluster directory " + dir + " is too long to hold a Unix socket (at most " +
         std::to_string(sizeof(sockaddr_un{}.sun_path) - kSocketName - 1) +
         " characters); set CRMD_DATA_DIR to a shorter path");
  }

  const std::optional<RunAs> as = run_as_user();
  std::error_code ec;
  fs::create_directories(cluster_dir, ec);
  if (ec) fail("cannot create " + dir + ": " + ec.message());
  if (as) {
    spdlog::info("embedded PostgreSQL: crmd runs as root, so the cluster runs as user '{}'",
                 as->name);
    chown_tree(cluster_dir, *as);
    check_traversable(cluster_dir, *as);
  }

  const fs::path bin = choose_bin_dir(cluster_dir);
  const std::string pg_ctl = (bin / "pg_ctl").string();
  const fs::path log = cluster_dir / "server.log";
  std::string conninfo =
      "host=" + conninfo_value(dir) + " dbname=postgres user=" + std::string(kSuperuser);

  if (!fs::exists(cluster_dir / "PG_VERSION")) {
    if (!fs::is_empty(cluster_dir, ec) && !ec) {
      fail(dir + " is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away");
    }
    spdlog::info("embedded PostgreSQL: initializing a new cluster in {} ({})", dir, bin.string());
    std::vector<std::string> initdb = {
        (bin / "initdb").string(), "-D", dir, "-U", kSuperuser, "-A", "trust", "-E", "UTF8"};
    auto with = [&](const char* locale_flag) {
      auto argv = initdb;
      argv.push_back(locale_flag);
      return argv;
    };
    CommandResult first = run(with("--locale=C.UTF-8"), as);
    if (!first.ok()) {
      spdlog::warn(
          "embedded PostgreSQL: initdb with --locale=C.UTF-8 failed; retrying with "
          "--no-locale");
      CommandResult second = run(with("--no-locale"), as);
      if (!second.ok()) {
        fail("initdb failed (" + describe_status(second.status) + "):\n" +
             indent(last_lines(second.output, 30)) +
             "\n  (with --locale=C.UTF-8 it had failed too:)\n" +
             indent(last_lines(first.output, 10)));
      }
    }
  }

  bool reuse = false;
  if (is_running(bin, cluster_dir, as)) {
    // A server left over (say, by a crash of crmd): reuse it once it accepts
    // connections; it may still be starting, or be a stale PID on its way out.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const fs::path pg_isready = bin / "pg_isready";
    auto accepting = [&] {
      if (!executable(pg_isready)) return true;  // cannot probe: trust pg_ctl status
      return run({pg_isready.string(), "-q", "-h", dir, "-d", "postgres", "-U", kSuperuser, "-t",
                  "5"},
                 as)
          .ok();
    };
    for (;;) {
      if (accepting()) {
        reuse = true;
        break;
      }
      if (!is_running(bin, cluster_dir, as)) break;  // gone after all: start afresh
      if (std::chrono::steady_clock::now() > deadline) {
        fail("a server seems to run on " + dir +
             " (its postmaster.pid names a live process) but it does not accept connections; "
             "stop it (pg_ctl -D " +
             dir + " stop) or end that process. Last lines of " + log.string() + ":\n" +
             indent(file_tail(log, 20)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  if (reuse) {
    spdlog::info("embedded PostgreSQL: reusing the server already running on {}", dir);
  } else {
    const std::string options =
        "-c listen_addresses='' -c unix_socket_directories=" + shell_quote(guc_list_element(dir)) +
        " -c max_connections=200";
    spdlog::info("embedded PostgreSQL: starting the server on {}", dir);
    CommandResult started =
        run({pg_ctl, "-D", dir, "-w", "-t", "60", "-l", log.string(), "-o", options, "start"}, as);
    if (!started.ok()) {
      std::string message = "`pg_ctl start` on " + dir + " failed (" +
                            describe_status(started.status) + "):\n" +
                            indent(last_lines(started.output, 15));
      std::string tail = file_tail(log, 20);
      if (!tail.empty()) message += "\n  last lines of " + log.string() + ":\n" + indent(tail);
      fail(message);
    }
  }

  EmbeddedPostgres pg(cluster_dir, bin.string(), std::move(conninfo));
  pg.running_ = true;  // stopped on exit, even when reused (e.g. left over by a crash)
  return pg;
}

void EmbeddedPostgres::stop() {
  if (!running_) return;
  running_ = false;
  const fs::path bin = bin_dir_;
  const std::optional<RunAs> as = run_as_user();
  const std::string dir = cluster_dir_.string();
  spdlog::info("embedded PostgreSQL: stopping the server on {}", dir);
  CommandResult stopped =
      run({(bin / "pg_ctl").string(), "-D", dir, "-m", "fast", "-w", "stop"}, as);
  if (stopped.ok()) return;
  if (!is_running(bin, cluster_dir_, as)) return;  // already gone: nothing to do
  std::string message = "`pg_ctl stop` on " + dir + " failed (" + describe_status(stopped.status) +
                        "):\n" + indent(last_lines(stopped.output, 15));
  std::string tail = file_tail(cluster_dir_ / "server.log", 20);
  if (!tail.empty()) message += "\n  last lines of server.log:\n" + indent(tail);
  fail(message);
}

}  // namespace crmd::storage
