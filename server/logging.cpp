#include "server/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace crmd::server {
namespace {

bool g_json = false;
std::shared_ptr<spdlog::logger> g_access;  // set once at start, before any request

// %* : the message as a JSON string, quotes and all.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto text = boost::json::serialize(
        boost::json::string(std::string_view(msg.payload.data(), msg.payload.size())));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool json, bool raw) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (raw) {
    formatter->set_pattern("%v");
  } else if (json) {
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","message":%*})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v");
  }
  return formatter;
}

}  // namespace

void setup_logging(const config::Config& config) {
  g_json = config.log_format == config::LogFormat::json;
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(16384, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto main = std::make_shared<spdlog::async_logger>("crmd", sink, spdlog::thread_pool(),
                                                     spdlog::async_overflow_policy::overrun_oldest);
  main->set_formatter(make_formatter(g_json, false));
  main->set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_default_logger(main);
  // Access lines are formatted in full by log_access (text or JSON) and
  // written whatever the level, unless the access log is off.
  // A sink of its own: a sink carries its formatter.
  g_access = std::make_shared<spdlog::async_logger>(
      "access", std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  g_access->set_formatter(make_formatter(g_json, true));
  g_access->set_level(config.access_log ? spdlog::level::info : spdlog::level::off);
}

void flush_logs() {
  spdlog::default_logger()->flush();
  if (g_access) g_access->flush();
}

void log_access(const AccessRecord& r) {
  const auto access = g_access;
  if (!access || !access->should_log(spdlog::level::info)) return;
  const double ms = r.seconds * 1000.0;
  if (g_json) {
    boost::json::object line{{"type", "access"},
                             {"request_id", r.request_id},
                             {"remote", r.remote_address},
                             {"method", r.method},
                             {"path", r.path},
                             {"status", r.status},
                             {"bytes", r.bytes},
                             {"ms", ms}};
    access->info(boost::json::serialize(line));
  } else {
    access->info("access {} {} \"{} {}\" {} {} {:.3f}ms", r.request_id, r.remote_address, r.method,
                 r.path, r.status, r.bytes, ms);
  }
}

}  // namespace crmd::server
