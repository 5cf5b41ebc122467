// ID-token verification, signing and password hashing, one thread each.
// Run by bench/auth.sh, which prints them next to a Node.js peer.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "auth/auth_service.h"
#include "auth/keys.h"
#include "auth/password.h"
#include "base/clock.h"
#include "base/random.h"
#include "storage/sqlite/sqlite_engine.h"

namespace {

using namespace hearth;

// A store, a key set and an AuthService in a temporary folder, shared by the benchmarks.
struct Fixture {
  std::string dir;
  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<auth::AuthService> service;
  std::unique_ptr<auth::KeyStore> keys;  // the same keys.json as the service's

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("hearth-bench-auth-" + RandomHexToken(6));
    std::filesystem::create_directories(dir);
    storage::SqliteOptions options;
    options.path = dir + "/hearth.db";
    engine = std::move(storage::OpenSqlite(options)).value();
    service = std::move(auth::AuthService::Create(*engine, auth::AuthConfig{}, dir + "/keys"))
                  .value();
    keys = std::move(auth::KeyStore::Open(dir + "/keys")).value();
  }
  ~Fixture() {
    service.reset();
    engine->Close();
    std::filesystem::remove_all(dir);
  }

  // An ID token the service accepts, for subject `uid`, signed directly with the key set.
  std::string Token(const std::string& uid) {
    int64_t now = SystemClock().NowMicros() / 1'000'000;
    std::string payload = R"({"iss":"hearth:hearth","aud":"hearth","sub":")" + uid +
                          R"(","iat":)" + std::to_string(now) + R"(,"exp":)" +
                          std::to_string(now + 3600) + R"(,"auth_time":)" + std::to_string(now) +
                          R"(,"email":"someone@example.com","email_verified":true,)" +
                          R"("sign_in_provider":"password"})";
    return std::move(keys->Sign(payload)).value();
  }

  static Fixture& Get() {
    static Fixture f;
    return f;
  }
};

// The same token again: answered from the verified-token cache (revocation still checked).
void BM_VerifyIdToken_Cached(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  std::string token = f.Token("user-cached");
  for (auto _ : state) {
    auto ctx = f.service->VerifyIdToken(token);
    if (!ctx.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(ctx);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyIdToken_Cached);

// 25,000 distinct tokens in turn: more than the cache holds, so every call parses the JWT,
// checks the RS256 signature and the claims.
void BM_VerifyIdToken_Uncached(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  static const std::vector<std::string> tokens = [&] {
    std::vector<std::string> t;
    for (int i = 0; i < 25'000; ++i) t.push_back(f.Token("user-" + std::to_string(i)));
    return t;
  }();
  size_t i = 0;
  for (auto _ : state) {
    auto ctx = f.service->VerifyIdToken(tokens[i]);
    if (!ctx.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(ctx);
    if (++i == tokens.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyIdToken_Uncached);

void BM_SignIdToken(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  for (auto _ : state) benchmark::DoNotOptimize(f.Token("user-sign"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignIdToken);

void BM_PasswordHash(benchmark::State& state) {
  auth::PasswordHasher hasher(auth::PasswordCost{});
  for (auto _ : state) benchmark::DoNotOptimize(hasher.Hash("correct horse battery staple"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PasswordHash)->Unit(benchmark::kMillisecond);

void BM_PasswordVerify(benchmark::State& state) {
  auth::PasswordHasher hasher(auth::PasswordCost{});
  std::string hash = std::move(hasher.Hash("correct horse battery staple")).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(hasher.Verify(hash, "correct horse battery staple"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PasswordVerify)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
