// The crash test: eight clients write as fast as they can, the server is SIGKILLed in
// the middle, restarted on the same data folder, and checked:
//   - every write acknowledged with a 2xx before the kill is there, exactly as
//     acknowledged (data and updateTime);
//   - a document updated many times is at least as new as its last acknowledged version
//     and no newer than the last one sent;
//   - every document present is complete and self-consistent (a checksum over its
//     payload; all fields of a multi-field PATCH from one version): nothing half-written.
// Three kill/restart cycles, each verifying everything acknowledged in all before it.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/api_test_util.h"

namespace hearth::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kThreads = 8;
constexpr int kUpdateDocsPerThread = 3;
constexpr int kCycles = 3;

std::string PutPath(int cycle, int t, int i) {
  return "crash/c" + std::to_string(cycle) + "_t" + std::to_string(t) + "_" + std::to_string(i);
}
std::string UpdatePath(int t, int u) {
  return "crash/u" + std::to_string(t) + "_" + std::to_string(u);
}

// A self-checking document body, canonical (sorted keys), the same for the same inputs.
std::string PutBody(int cycle, int t, int i) {
  std::mt19937 rng(static_cast<uint32_t>(cycle * 1000003 + t * 10007 + i));
  size_t len = 10 + rng() % 400;
  std::string payload;
  for (size_t k = 0; k < len; ++k) payload.push_back(static_cast<char>('a' + rng() % 26));
  std::string n = std::to_string(i);
  return R"({"n":)" + n + R"(,"payload":")" + payload + R"(","sum":")" + Fnv1a(n + ":" + payload) +
         "\"}";
}

// What an update document holds at version v (canonical).
std::string UpdateData(int64_t v) {
  std::string s = std::to_string(v);
  return R"({"a":"a-)" + s + R"(","b":[)" + s + "," + std::to_string(2 * v) + R"(],"count":)" + s +
         R"(,"m":{"x":)" + s + R"(,"y":"y-)" + s + R"("},"sum":")" + Fnv1a("v" + s) + R"(","v":)" +
         s + "}";
}

// The PATCH that moves an update document from v-1 to v: several fields, a nested field
// path and a transform, all in one write.
std::string UpdatePatch(int64_t v) {
  std::string s = std::to_string(v);
  return R"({"v":)" + s + R"(,"a":"a-)" + s + R"(","b":[)" + s + "," + std::to_string(2 * v) +
         R"(],"m.x":)" + s + R"(,"m.y":"y-)" + s + R"(","sum":")" + Fnv1a("v" + s) +
         R"(","count":{"$increment":1}})";
}

struct PutAck {
  std::string path;
  std::string data;
  std::string update_time;
};

struct UpdateDoc {
  std::string path;
  int64_t acked = 0;      // last version acknowledged
  int64_t attempted = 0;  // last version sent
};

// What each writer thread did in one cycle.
struct ThreadLog {
  std::vector<PutAck> put_acks;
  int last_put_attempted = -1;
  int unexpected_status = 0;
  std::string unexpected_body;
  int patches_acked = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  // Lists every document of `collection`: path -> (raw data, updateTime).
  static std::map<std::string, std::pair<std::string, std::string>> ListAll(HttpClient& c) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    std::string token;
    for (int page = 0; page < 1000; ++page) {
      std::string target = "/v1/documents/crash?pageSize=1000";
      if (!token.empty()) target += "&pageToken=" + token;
      HttpResponse r = c.Admin("GET", target);
      EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
      if (r.status != 200) break;
      Json j(r.body);
      EXPECT_TRUE(j.ok());
      auto docs = j.At("/documents");
      if (!docs) break;
      // The raw "data" of each document, cut from the body by the positions of the
      // documents' own keys (the renderer writes them in a fixed order).
      size_t pos = 0;
      for (simdjson::dom::element d : simdjson::dom::array(*docs)) {
        std::string_view path, update_time;
        EXPECT_EQ(d["path"].get(path), simdjson::SUCCESS);
        EXPECT_EQ(d["updateTime"].get(update_time), simdjson::SUCCESS);
        size_t start = r.body.find(R"("data":)", pos);
        size_t end = r.body.find(R"(,"createTime":)", start);
        if (start == std::string::npos || end == std::string::npos) {
          ADD_FAILURE() << "cannot cut data from the list";
          break;
        }
        out[std::string(path)] = {r.body.substr(start + 7, end - start - 7),
                                  std::string(update_time)};
        pos = end;
      }
      token = j.String("/nextPageToken").value_or("");
      if (token.empty()) break;
    }
    return out;
  }
};

TEST_F(CrashTest, AcknowledgedWritesSurviveSigkill) {
  TempDir project;
  WriteFile(project.path() + "/hearth.json", R"({"logRequests":false})");
  std::map<std::string, PutAck> acked_puts;           // every acknowledged PUT, all cycles
  std::map<std::string, std::string> attempted_puts;  // path -> body, for in-flight checks
  std::vector<std::vector<UpdateDoc>> updates(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int u = 0; u < kUpdateDocsPerThread; ++u) updates[t].push_back({UpdatePath(t, u)});
  }
  size_t total_acks = 0;

  // Checks the store against everything acknowledged so far; catches the update
  // documents' versions up with what is stored.
  auto verify = [&](HttpClient& c, const std::string& when) {
    SCOPED_TRACE(when);
    auto stored = ListAll(c);
    size_t missing = 0, changed = 0;
    for (const auto& [path, ack] : acked_puts) {
      auto it = stored.find(path);
      if (it == stored.end()) {
        if (++missing <= 5) ADD_FAILURE() << path << " was acknowledged but is missing";
        continue;
      }
      if (it->second.first != ack.data || it->second.second != ack.update_time) {
        if (++changed <= 5) {
          ADD_FAILURE() << path << " differs from what was acknowledged:\n  stored "
                        << it->second.first << " @" << it->second.second << "\n  acked  "
                        << ack.data << " @" << ack.update_time;
        }
      }
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(changed, 0u);

    size_t in_flight_present = 0;
    for (const auto& [path, doc] : stored) {
      const std::string& data = doc.first;
      if (path.starts_with("crash/u")) continue;  // checked below
      // Self-consistent: the checksum covers n and the payload.
      Json j(data);
      ASSERT_TRUE(j.ok()) << path << ": " << data;
      auto n = j.Int("/n");
      auto payload = j.String("/payload");
      auto sum = j.String("/sum");
      ASSERT_TRUE(n && payload && sum) << path << " is incomplete: " << data;
      EXPECT_EQ(*sum, Fnv1a(std::to_string(*n) + ":" + *payload)) << path << ": " << data;
      EXPECT_EQ(j.Size(""), 3u) << path << ": " << data;
      // And exactly one of the bodies sent.
      auto sent = attempted_puts.find(path);
      if (sent == attempted_puts.end()) {
        ADD_FAILURE() << path << " was never written: " << data;
        continue;
      }
      EXPECT_EQ(data, sent->second) << path;
      if (!acked_puts.contains(path)) ++in_flight_present;
    }
    for (auto& docs : updates) {
      for (UpdateDoc& u : docs) {
        auto it = stored.find(u.path);
        if (it == stored.end()) {
          ADD_FAILURE() << u.path << " is missing";
          continue;
        }
        Json j(it->second.first);
        auto v = j.Int("/v");
        ASSERT_TRUE(v.has_value()) << u.path << ": " << it->second.first;
        EXPECT_GE(*v, u.acked) << u.path << " lost an acknowledged update";
        EXPECT_LE(*v, u.attempted) << u.path << " is newer than anything sent";
        // Every field from one version: no half-applied PATCH.
        EXPECT_EQ(it->second.first, UpdateData(*v)) << u.path;
        u.acked = u.attempted = *v;
      }
    }
    std::cout << "[crash] " << when << ": " << stored.size() << " documents present, "
              << acked_puts.size() << " acknowledged creates all intact, " << in_flight_present
              << " unacknowledged (in-flight) creates present and whole\n";
  };

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::string error;
    auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
    ASSERT_NE(server, nullptr) << error;
    {
      HttpClient c(server->port());
      if (cycle == 0) {
        for (auto& docs : updates) {
          for (UpdateDoc& u : docs) {
            ASSERT_EQ(c.Admin("PUT", "/v1/documents/" + u.path, UpdateData(0)).status, 200);
          }
        }
      } else {
        verify(c, "after kill " + std::to_string(cycle));
        if (HasFatalFailure()) return;
      }
    }

    std::vector<ThreadLog> logs(kThreads);
    std::vector<std::map<std::string, std::string>> attempted(kThreads);
    std::atomic<bool> stop{false};
    std::atomic<int> acks_this_cycle{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        HttpClient c(server->port());
        ThreadLog& log = logs[t];
        auto deadline = Clock::now() + std::chrono::seconds(20);
        for (int i = 0; !stop && Clock::now() < deadline; ++i) {
          HttpResponse r;
          if (i % 3 == 2) {
            UpdateDoc& u = updates[t][static_cast<size_t>(i / 3) % kUpdateDocsPerThread];
            int64_t v = u.attempted + 1;
            u.attempted = v;
            r = c.Admin("PATCH", "/v1/documents/" + u.path, UpdatePatch(v));
            if (r.status == 200) {
              if (RawData(r.body) != UpdateData(v)) {
                ++log.unexpected_status;
                log.unexpected_body = "PATCH answered " + RawData(r.body);
              }
              u.acked = v;
              ++log.patches_acked;
            }
          } else {
            std::string path = PutPath(cycle, t, i);
            std::string body = PutBody(cycle, t, i);
            attempted[t][path] = body;
            log.last_put_attempted = i;
            r = c.Admin("PUT", "/v1/documents/" + path, body);
            if (r.status == 200) {
              Json j(r.body);
              log.put_acks.push_back({path, RawData(r.body), j.String("/updateTime").value_or("")});
            }
          }
          if (r.status == 0) break;  // killed
          if (r.status != 200) {
            ++log.unexpected_status;
            log.unexpected_body = std::to_string(r.status) + " " + r.body;
            break;
          }
          ++acks_this_cycle;
        }
      });
    }
    // Let them run, then kill mid-stream.
    auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 + 250 * cycle));
    int acked_at_kill = acks_this_cycle.load();
    server->Signal(SIGKILL);
    int code = server->Wait();
    stop = true;
    for (auto& w : writers) w.join();
    EXPECT_EQ(code, 128 + SIGKILL);
    EXPECT_GT(acked_at_kill, 50) << "the writers made too little progress to test anything";

    size_t puts = 0, patches = 0;
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_EQ(logs[t].unexpected_status, 0) << "writer " << t << ": " << logs[t].unexpected_body;
      for (PutAck& a : logs[t].put_acks) {
        EXPECT_EQ(a.data, attempted[t][a.path]) << "the acknowledgement echoes what was sent";
        acked_puts[a.path] = a;
      }
      for (auto& [path, body] : attempted[t]) attempted_puts[path] = body;
      puts += logs[t].put_acks.size();
      patches += static_cast<size_t>(logs[t].patches_acked);
    }
    total_acks += puts + patches;
    std::cout << "[crash] cycle " << cycle << ": SIGKILL after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
              << " ms; " << puts + patches << " writes acknowledged (" << puts << " PUT, "
              << patches << " multi-field PATCH)\n";
  }

  std::string error;
  auto server = ServerProcess::Start({.project_dir = project.path()}, &error);
  ASSERT_NE(server, nullptr) << error;
  HttpClient c(server->port());
  verify(c, "after kill " + std::to_string(kCycles) + " (final)");
  std::cout << "[crash] total: " << total_acks << " acknowledged writes over " << kCycles
            << " SIGKILL cycles, all present\n";
  // The store still takes writes after all that.
  EXPECT_EQ(c.Admin("PUT", "/v1/documents/crash-after/ok", "{}").status, 200);
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0) << server->Output();
}

}  // namespace
}  // namespace hearth::testing
