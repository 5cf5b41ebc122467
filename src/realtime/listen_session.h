// ListenSession: one client connection of the listen protocol (docs/realtime.md), over
// any transport that carries JSON text messages (a WebSocket: realtime/listen_handler.h).
// It parses the client's messages (auth, listen, unlisten), checks the caller, adds and
// removes the connection's targets in the ListenerEngine and sends their snapshots.
//
// Threads: OnMessage()/OnClose() from the transport's thread, one at a time; snapshots
// are sent from the engine's thread. Must not block, and does not.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "realtime/listener_engine.h"

namespace hearth::realtime {

// Who is listening, as the authenticator established it.
struct Principal {
  std::string uid;     // "" for the admin credential
  bool admin = false;  // the admin token: every target allowed, rules bypassed
  // What the authorizer needs (e.g. the verified token's auth::AuthContext).
  std::shared_ptr<const void> context;
  // The credential it was verified from: checked again (expiry, revocation, a disabled
  // account) before snapshots are delivered, at most once a second per connection.
  std::string token;
};

// Verifies an ID token (or the admin token); an error is answered `unauthenticated`.
using Authenticator =
    std::function<Result<std::shared_ptr<const Principal>>(std::string_view token)>;
// Whether `caller` (nullptr: not signed in) may listen to `target`: ok, or the error the
// target ends with (`permission-denied`). Called on the transport's thread; must not block.
using Authorizer = std::function<Status(const Principal* caller, const TargetSpec& target)>;

// The transport, as the session uses it. Thread-safe; never blocks.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // False when the message could not be queued (the connection is closing).
  virtual bool Send(std::string text) = 0;
  virtual void Close(uint16_t code, std::string reason) = 0;
};

struct ListenOptions {
  Authenticator authenticate;  // REQUIRES: set
  Authorizer authorize;        // REQUIRES: set
  // Optional: changes whenever what `authorize` decides may have changed (the rules were
  // reloaded); open targets are then decided again before their next snapshot goes out.
  std::function<uint64_t()> rules_generation;
  size_t max_targets_per_connection = 1000;
};

class ListenSession : public std::enable_shared_from_this<ListenSession> {
 public:
  // `engine` must outlive the session's targets (OnClose() removes them). `caller` is the
  // principal from the upgrade's Authorization header, or nullptr.
  static std::shared_ptr<ListenSession> Create(ListenerEngine& engine, ListenOptions options,
                                               std::shared_ptr<Outbox> outbox,
                                               std::shared_ptr<const Principal> caller);

  void OnMessage(std::string_view text);
  // Removes every target; no snapshot is sent after it.
  void OnClose();

 private:
  ListenSession(ListenerEngine& engine, ListenOptions options, std::shared_ptr<Outbox> outbox,
                std::shared_ptr<const Principal> caller);
  Status HandleAuth(const model::JsonView& message);
  Status HandleListen(const model::JsonView& message, int64_t target_id);
  void SendError(std::optional<int64_t> target_id, const Status& status);
  void OnSnapshot(int64_t target_id, uint64_t serial, bool reset, Result<Snapshot> snapshot);
  // False when the caller's credential no longer verifies; its targets are then ended
  // with `unauthenticated`.
  bool CredentialStillValid();
  // Ends the targets `ids` with `status` (sent once per target).
  void EndTargets(const std::vector<int64_t>& ids, const Status& status);
  // The targets `caller` may no longer listen to, and why (the last denial).
  std::vector<int64_t> DeniedTargetsLocked(const Principal* caller, Status* why);
  // When the rules changed since the targets were decided, decides them again and ends
  // the ones now denied.
  void RecheckAfterRulesChange();
  // Whether the target registered as (`target_id`, `serial`) is still open. REQUIRES: mu_.
  bool StillListening(int64_t target_id, uint64_t serial);

  ListenerEngine& engine_;
  const ListenOptions options_;
  const std::shared_ptr<Outbox> outbox_;

  std::mutex mu_;
  std::shared_ptr<const Principal> caller_;                  // GUARDED_BY(mu_)
  std::map<int64_t, ListenerEngine::TargetHandle> targets_;  // GUARDED_BY(mu_)
  struct Registration {
    TargetSpec spec;  // for re-checks
    uint64_t serial;  // tells a re-used target ID from the target it replaced
  };
  std::map<int64_t, Registration> specs_;  // GUARDED_BY(mu_)
  uint64_t next_serial_ = 0;               // GUARDED_BY(mu_)
  uint64_t rules_generation_ = 0;          // GUARDED_BY(mu_): when the targets were decided
  static constexpr uint64_t kUnknownGeneration = ~uint64_t{0};
  int64_t verified_at_ = 0;  // GUARDED_BY(mu_): MonotonicMicros of the last credential check
  bool closed_ = false;      // GUARDED_BY(mu_)
};

// {"type":"snapshot",...} as the protocol sends it.
std::string SnapshotJson(int64_t target_id, const Snapshot& snapshot, bool reset);

}  // namespace hearth::realtime
