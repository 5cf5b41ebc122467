#include "base/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace hearth {

void InitLogging(bool verbose) {
  spdlog::init_thread_pool(8192, 1);
  // Blocking when full keeps every request line; the queue is large enough that this
  // only happens when stdout itself is stalled.
  auto logger = std::make_shared<spdlog::async_logger>(
      "hearth", std::make_shared<spdlog::sinks::stdout_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  // Lines reach stdout within a second (warnings at once); flushing per line would cost a
  // write(2) per request. Callers flush explicitly at moments that matter (FlushLog()).
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void FlushLog() { spdlog::default_logger()->flush(); }

void ShutdownLogging() { spdlog::shutdown(); }

}  // namespace hearth
