// Loopback fakes of the outside services Hearth's authentication talks to, each a Node.js
// script (tests/support/*.mjs) run as a child process: an OpenID Connect provider and an
// SMTP sink. Tests drive and inspect them over HTTP (support/http_client.h); the scripts'
// headers document their control endpoints.
//
// The child is SIGKILLed when the object is destroyed, and also when the thread that
// called Start() ends (PR_SET_PDEATHSIG), so start the fakes from the test's own thread.
#pragma once

#include <memory>
#include <string>

namespace hearth::testing {

class NodeProcess;

// fake_oidc_provider.mjs: authorization code flow with PKCE S256, RS256 ID tokens.
class FakeOidcProvider {
 public:
  // Starts the provider on a free port and waits (up to 15 s) until it listens.
  // Returns nullptr and sets `error` (with the script's output) on failure.
  static std::unique_ptr<FakeOidcProvider> Start(std::string* error,
                                                 const std::string& client_id = "test-client",
                                                 const std::string& client_secret = "test-secret");
  ~FakeOidcProvider();

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // Everything the script printed so far (its errors go to stderr).
  std::string Output() const;

 private:
  FakeOidcProvider() = default;
  std::unique_ptr<NodeProcess> process_;
  int port_ = 0;
};

// smtp_sink.mjs: accepts every message over SMTP; GET /messages on the HTTP port lists them.
class SmtpSink {
 public:
  // Starts the sink on two free ports and waits (up to 15 s) until both listen.
  // Returns nullptr and sets `error` (with the script's output) on failure.
  static std::unique_ptr<SmtpSink> Start(std::string* error);
  ~SmtpSink();

  int smtp_port() const { return smtp_port_; }
  int http_port() const { return http_port_; }
  std::string Output() const;

 private:
  SmtpSink() = default;
  std::unique_ptr<NodeProcess> process_;
  int smtp_port_ = 0;
  int http_port_ = 0;
};

}  // namespace hearth::testing
