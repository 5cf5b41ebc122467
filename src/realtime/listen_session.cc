#include "realtime/listen_session.h"

#include "base/clock.h"
#include "model/json.h"
#include "model/json_view.h"
#include "model/timestamp.h"

namespace hearth::realtime {

namespace {

constexpr uint16_t kClosePolicy = 1008;  // RFC 6455: a message violating the protocol

void AppendDocument(std::string& out, const storage::DocumentRecord& doc) {
  std::string_view path = doc.path;
  out += R"("id":)";
  model::AppendJsonString(out, path.substr(path.rfind('/') + 1));
  out += R"(,"path":)";
  model::AppendJsonString(out, path);
  out += R"(,"data":)";
  out += doc.data;
  out += R"(,"createTime":")" + model::FormatMicros(doc.create_time);
  out += R"(","updateTime":")" + model::FormatMicros(doc.update_time) + "\"";
}

}  // namespace

std::string SnapshotJson(int64_t target_id, const Snapshot& snapshot, bool reset) {
  std::string out = R"({"type":"snapshot","targetId":)" + std::to_string(target_id);
  out += R"(,"changes":[)";
  for (size_t i = 0; i < snapshot.changes.size(); ++i) {
    const DocumentChange& c = snapshot.changes[i];
    if (i > 0) out += ',';
    out += R"({"type":")";
    out += ChangeTypeName(c.type);
    out += "\",";
    AppendDocument(out, c.entry->record);
    out += R"(,"oldIndex":)" + std::to_string(c.old_index);
    out += R"(,"newIndex":)" + std::to_string(c.new_index) + "}";
  }
  out += R"(],"readTime":")" + model::FormatMicros(snapshot.read_time);
  // The resume token is opaque to clients: today the read time in microseconds.
  out += R"(","resumeToken":")" + std::to_string(snapshot.read_time) + "\"";
  if (snapshot.first) out += R"(,"initial":true)";
  if (reset) out += R"(,"reset":true)";
  return out + "}";
}

std::shared_ptr<ListenSession> ListenSession::Create(ListenerEngine& engine, ListenOptions options,
                                                     std::shared_ptr<Outbox> outbox,
                                                     std::shared_ptr<const Principal> caller) {
  return std::shared_ptr<ListenSession>(
      new ListenSession(engine, std::move(options), std::move(outbox), std::move(caller)));
}

ListenSession::ListenSession(ListenerEngine& engine, ListenOptions options,
                             std::shared_ptr<Outbox> outbox,
                             std::shared_ptr<const Principal> caller)
    : engine_(engine),
      options_(std::move(options)),
      outbox_(std::move(outbox)),
      caller_(std::move(caller)) {
  if (options_.rules_generation) rules_generation_ = options_.rules_generation();
}

void ListenSession::SendError(std::optional<int64_t> target_id, const Status& status) {
  std::string out = R"({"type":"error")";
  if (target_id) out += R"(,"targetId":)" + std::to_string(*target_id);
  out += R"(,"code":")";
  out += CodeName(status.code());
  out += R"(","message":)";
  model::AppendJsonString(out, status.message());
  outbox_->Send(out + "}");
}

void ListenSession::OnMessage(std::string_view text) {
  auto doc = model::JsonDocument::Parse(text);
  if (!doc.ok()) {
    SendError(std::nullopt, InvalidArgument("a message must be a JSON object"));
    return outbox_->Close(kClosePolicy, "malformed message");
  }
  const model::JsonView root = doc->root();
  auto type = root.is_object() ? root.Get("type") : std::nullopt;
  if (!type || !type->is_string()) {
    SendError(std::nullopt, InvalidArgument("a message needs a \"type\""));
    return outbox_->Close(kClosePolicy, "malformed message");
  }
  if (type->AsString() == "auth") {
    if (Status s = HandleAuth(root); !s.ok()) {
      SendError(std::nullopt, s);
      outbox_->Close(kClosePolicy, "authentication failed");
    }
    return;
  }
  auto id = root.Get("targetId");
  if (!id || id->kind() != model::JsonView::Kind::kInteger) {
    return SendError(std::nullopt, InvalidArgument("\"targetId\" must be an integer"));
  }
  const int64_t target_id = id->AsInteger();
  if (type->AsString() == "listen") {
    if (Status s = HandleListen(root, target_id); !s.ok()) SendError(target_id, s);
  } else if (type->AsString() == "unlisten") {
    std::optional<ListenerEngine::TargetHandle> handle;
    {
      std::lock_guard lock(mu_);
      if (auto it = targets_.find(target_id); it != targets_.end()) {
        handle = it->second;
        targets_.erase(it);
        specs_.erase(target_id);
      }
    }
    if (handle) engine_.Unlisten(*handle);
  } else {
    SendError(std::nullopt,
              InvalidArgument("unknown message type '" + std::string(type->AsString()) +
                              "' (auth, listen, unlisten)"));
  }
}

Status ListenSession::HandleAuth(const model::JsonView& message) {
  RETURN_IF_ERROR(message.CheckKeys("auth", {"type", "token"}));
  auto token = message.Get("token");
  if (!token || !token->is_string()) return InvalidArgument("auth: \"token\" must be a string");
  auto principal = options_.authenticate(token->AsString());
  if (!principal.ok()) return Unauthenticated(principal.status().message());
  std::shared_ptr<const Principal> caller = std::move(principal).value();
  // Every target is decided again for the new caller: a different user (or the same one
  // with other claims) may no longer be allowed what the old token was.
  std::vector<int64_t> denied;
  Status why;
  {
    std::lock_guard lock(mu_);
    caller_ = caller;
    verified_at_ = MonotonicMicros();
    denied = DeniedTargetsLocked(caller.get(), &why);
  }
  if (!denied.empty()) EndTargets(denied, why);
  return Status::Ok();
}

std::vector<int64_t> ListenSession::DeniedTargetsLocked(const Principal* caller, Status* why) {
  std::vector<int64_t> denied;
  if (caller != nullptr && caller->admin) return denied;
  for (const auto& [id, registration] : specs_) {
    if (Status s = options_.authorize(caller, registration.spec); !s.ok()) {
      denied.push_back(id);
      *why = s;
    }
  }
  return denied;
}

void ListenSession::RecheckAfterRulesChange() {
  if (!options_.rules_generation) return;
  const uint64_t generation = options_.rules_generation();
  std::vector<int64_t> denied;
  Status why;
  {
    std::lock_guard lock(mu_);
    if (generation == rules_generation_) return;
    rules_generation_ = generation;
    denied = DeniedTargetsLocked(caller_.get(), &why);
  }
  if (!denied.empty()) EndTargets(denied, why);
}

void ListenSession::EndTargets(const std::vector<int64_t>& ids, const Status& status) {
  std::vector<ListenerEngine::TargetHandle> handles;
  std::vector<int64_t> ended;
  {
    std::lock_guard lock(mu_);
    for (int64_t id : ids) {
      auto it = targets_.find(id);
      if (it == targets_.end()) continue;
      handles.push_back(it->second);
      targets_.erase(it);
      specs_.erase(id);
      ended.push_back(id);
    }
  }
  for (auto handle : handles) engine_.Unlisten(handle);
  for (int64_t id : ended) SendError(id, status);
}

bool ListenSession::CredentialStillValid() {
  std::shared_ptr<const Principal> caller;
  {
    std::lock_guard lock(mu_);
    if (caller_ == nullptr || caller_->token.empty()) return true;
    int64_t now = MonotonicMicros();
    if (now - verified_at_ < 1'000'000) return true;
    verified_at_ = now;
    caller = caller_;
  }
  if (options_.authenticate(caller->token).ok()) return true;
  std::vector<int64_t> ids;
  {
    std::lock_guard lock(mu_);
    // A fresh token may have arrived meanwhile.
    if (caller_ != caller) return true;
    for (const auto& [id, handle] : targets_) ids.push_back(id);
  }
  EndTargets(ids, Unauthenticated("the connection's ID token expired or was revoked; send a "
                                  "fresh one ({\"type\":\"auth\"}) and listen again"));
  return false;
}

Status ListenSession::HandleListen(const model::JsonView& message, int64_t target_id) {
  RETURN_IF_ERROR(
      message.CheckKeys("listen", {"type", "targetId", "document", "query", "resumeToken"}));
  TargetSpec spec;
  auto document = message.Get("document");
  auto query = message.Get("query");
  if (document.has_value() == query.has_value()) {
    return InvalidArgument("listen: give either \"document\" or \"query\"");
  }
  if (document) {
    if (!document->is_string()) return InvalidArgument("listen: \"document\" must be a path");
    auto path = model::ResourcePath::Parse(document->AsString());
    if (!path.ok()) return InvalidArgument("listen: " + path.status().message());
    spec.document = std::move(path).value();
  } else {
    auto q = query::ParseQuery(*query);
    if (!q.ok()) return q.status();
    spec.query = std::move(q).value();
  }
  // TODO(#6): resume from the change log; until then a resumed target starts over, and
  // its first snapshot says so ("reset": true).
  const bool reset = message.Get("resumeToken").has_value();

  std::shared_ptr<const Principal> caller;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Ok();
    if (targets_.contains(target_id)) {
      return AlreadyExists("target " + std::to_string(target_id) + " is already listening");
    }
    if (targets_.size() >= options_.max_targets_per_connection) {
      return ResourceExhausted("at most " + std::to_string(options_.max_targets_per_connection) +
                               " targets per connection");
    }
    caller = caller_;
  }
  const uint64_t generation = options_.rules_generation ? options_.rules_generation() : 0;
  if (!caller || !caller->admin) RETURN_IF_ERROR(options_.authorize(caller.get(), spec));
  uint64_t serial;
  {
    // Reserved first: the first snapshot may arrive before Listen() returns.
    std::lock_guard lock(mu_);
    serial = ++next_serial_;
    // Decided under other rules than the session's targets were last checked against:
    // the next snapshot checks them all again.
    if (generation != rules_generation_) rules_generation_ = kUnknownGeneration;
    targets_[target_id] = 0;
    specs_[target_id] = Registration{spec, serial};
  }
  std::weak_ptr<ListenSession> weak = weak_from_this();
  auto handle =
      engine_.Listen(std::move(spec), [weak, target_id, serial, reset](Result<Snapshot> s) {
        if (auto self = weak.lock()) self->OnSnapshot(target_id, serial, reset, std::move(s));
      });
  std::lock_guard lock(mu_);
  if (!handle.ok()) {
    targets_.erase(target_id);
    specs_.erase(target_id);
    return handle.status();
  }
  if (auto it = targets_.find(target_id); it != targets_.end()) it->second = *handle;
  return Status::Ok();
}

bool ListenSession::StillListening(int64_t target_id, uint64_t serial) {
  auto it = specs_.find(target_id);
  return !closed_ && it != specs_.end() && it->second.serial == serial;
}

void ListenSession::OnSnapshot(int64_t target_id, uint64_t serial, bool reset,
                               Result<Snapshot> snapshot) {
  {
    std::lock_guard lock(mu_);
    // After an unlisten, a snapshot already queued is dropped, also when the target ID
    // was re-used at once for another target.
    if (!StillListening(target_id, serial)) return;
    if (!snapshot.ok()) {
      targets_.erase(target_id);  // the engine dropped it
      specs_.erase(target_id);
    }
  }
  if (!snapshot.ok()) return SendError(target_id, snapshot.status());
  // No data reaches a caller whose token has expired or was revoked since.
  if (!CredentialStillValid()) return;
  // Nor data the rules, reloaded since the target was allowed, no longer allow.
  RecheckAfterRulesChange();
  {
    std::lock_guard lock(mu_);
    if (!StillListening(target_id, serial)) return;
  }
  outbox_->Send(SnapshotJson(target_id, *snapshot, reset && snapshot->first));
}

void ListenSession::OnClose() {
  std::map<int64_t, ListenerEngine::TargetHandle> targets;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    targets.swap(targets_);
    specs_.clear();
  }
  for (const auto& [id, handle] : targets) engine_.Unlisten(handle);
}

}  // namespace hearth::realtime
