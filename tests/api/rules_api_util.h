// Helpers for the security-rules API tests: signed-up users and denial checks.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "api/api_test_util.h"

namespace hearth::testing {

inline constexpr char kDeniedBody[] =
    R"({"error":{"code":"permission-denied","message":"Missing or insufficient permissions."}})";

struct TestUser {
  std::string uid;
  std::string id_token;
};

// Signs up `email` (POST /v1/auth/signUp); empty fields (and a test failure) on error.
inline TestUser SignUp(HttpClient& client, const std::string& email) {
  HttpResponse r = client.Request("POST", "/v1/auth/signUp",
                                  R"({"email":")" + email + R"(","password":"correct-horse-7"})");
  EXPECT_EQ(r.status, 200) << r.body;
  Json j(r.body);
  return TestUser{j.String("/user/uid").value_or(""), j.String("/idToken").value_or("")};
}

inline Headers BearerOf(const TestUser& user) {
  return {{"Authorization", "Bearer " + user.id_token}};
}

// A rules denial: 403 with exactly the generic permission-denied body.
inline ::testing::AssertionResult IsDenied(const HttpResponse& r) {
  if (r.status != 403) {
    return ::testing::AssertionFailure() << "status " << r.status << ", want 403: " << r.body;
  }
  if (!IsErrorBody(r, "permission-denied")) return IsErrorBody(r, "permission-denied");
  if (r.body != kDeniedBody) return ::testing::AssertionFailure() << "body: " << r.body;
  return ::testing::AssertionSuccess();
}

}  // namespace hearth::testing
