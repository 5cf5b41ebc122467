// Helpers for the auth unit tests: an AuthService over a real SQLite store in a temporary
// folder, and a way to wait for its callbacks.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "auth/auth_service.h"
#include "storage/sqlite/sqlite_engine.h"
#include "support/server_process.h"

namespace hearth::auth::testing {

// Calls `start(callback)` and waits for the callback's result.
template <typename T, typename Start>
Result<T> Await(Start start) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  start([promise](Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

// A store and an AuthService in a fresh folder (keys in FOLDER/keys, the store in
// FOLDER/hearth.db). Destroys the service before closing the store.
class AuthServiceFixture : public ::testing::Test {
 protected:
  static AuthConfig TestConfig() {
    AuthConfig config;
    config.project_id = "proj";
    config.hash_threads = 1;
    config.work_threads = 2;
    return config;
  }

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open(TestConfig())); }
  void TearDown() override { Close(); }

  void Open(AuthConfig config) {
    storage::SqliteOptions options;
    options.path = dir_.path() + "/hearth.db";
    options.readers = 2;
    auto engine = storage::OpenSqlite(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto auth = AuthService::Create(*engine_, std::move(config), keys_dir());
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    auth_ = std::move(*auth);
    auth_->SetListeningUrl("http://127.0.0.1:1");
  }
  void Close() {
    auth_.reset();
    if (engine_) engine_->Close();
    engine_.reset();
  }
  std::string keys_dir() const { return dir_.path() + "/keys"; }

  hearth::testing::TempDir dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<AuthService> auth_;
};

}  // namespace hearth::auth::testing
