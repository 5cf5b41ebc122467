#include "realtime/listen_handler.h"

#include "base/strings.h"
#include "model/json.h"
#include "model/json_view.h"

namespace hearth::realtime {

namespace {

class SessionOutbox final : public Outbox {
 public:
  explicit SessionOutbox(std::shared_ptr<http::WebSocketSession> session)
      : session_(std::move(session)) {}
  bool Send(std::string text) override { return session_->Send(std::move(text)); }
  void Close(uint16_t code, std::string reason) override {
    session_->Close(code, std::move(reason));
  }

 private:
  std::shared_ptr<http::WebSocketSession> session_;
};

class Connection final : public http::WebSocketConnection {
 public:
  explicit Connection(std::shared_ptr<ListenSession> session) : session_(std::move(session)) {}
  void OnMessage(std::string_view text) override { session_->OnMessage(text); }
  void OnClose() override { session_->OnClose(); }

 private:
  std::shared_ptr<ListenSession> session_;
};

// While the first listen is handled (synchronously), holds back an error it answers, so
// the stream can be refused over plain HTTP instead.
class FirstErrorOutbox final : public Outbox {
 public:
  explicit FirstErrorOutbox(std::shared_ptr<http::WebSocketSession> session)
      : session_(std::move(session)) {}
  bool Send(std::string text) override {
    if (holding_ && text.starts_with(R"({"type":"error")")) {
      held_ = std::move(text);
      return true;
    }
    return session_->Send(std::move(text));
  }
  void Close(uint16_t code, std::string reason) override {
    session_->Close(code, std::move(reason));
  }
  // Stops holding; the error held back, as a status (ok when there was none).
  Status Release() {
    holding_ = false;
    if (held_.empty()) return Status::Ok();
    auto doc = model::JsonDocument::Parse(held_);
    Code code = Code::kInvalidArgument;
    std::string message = "the target was refused";
    if (doc.ok() && doc->root().is_object()) {
      if (auto c = doc->root().Get("code"); c && c->is_string()) {
        for (int i = 0; i <= static_cast<int>(Code::kUnauthenticated); ++i) {
          if (CodeName(static_cast<Code>(i)) == c->AsString()) code = static_cast<Code>(i);
        }
      }
      if (auto m = doc->root().Get("message"); m && m->is_string()) {
        message = std::string(m->AsString());
      }
    }
    return Status(code, message);
  }

 private:
  std::shared_ptr<http::WebSocketSession> session_;
  bool holding_ = true;
  std::string held_;
};

// The caller named by an `Authorization: Bearer` header (or `token`), nullptr for none.
Result<std::shared_ptr<const Principal>> Caller(const ListenOptions& options,
                                                std::string_view authorization,
                                                std::string_view token = {}) {
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        !EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) {
      return Unauthenticated("Authorization: expected 'Bearer <token>'");
    }
    token = authorization.substr(kBearer.size());
  }
  if (token.empty()) return std::shared_ptr<const Principal>();
  auto principal = options.authenticate(token);
  if (!principal.ok()) return Unauthenticated(principal.status().message());
  return std::move(principal).value();
}

}  // namespace

ListenEventStreamHandler::ListenEventStreamHandler(ListenerEngine& engine, ListenOptions options)
    : engine_(engine), options_(std::move(options)) {}

Result<std::unique_ptr<http::WebSocketConnection>> ListenEventStreamHandler::OnOpen(
    const http::Request& request, std::shared_ptr<http::WebSocketSession> session) {
  auto params = ParseQueryString(request.query);
  if (!params) return InvalidArgument("malformed query string");
  std::string document, query, token;
  for (auto& [key, value] : *params) {
    if (key == "document") {
      document = std::move(value);
    } else if (key == "query") {
      query = std::move(value);
    } else if (key == "token") {
      token = std::move(value);
    } else {
      return InvalidArgument("unknown parameter '" + key + "' (document, query, token)");
    }
  }
  if (document.empty() == query.empty()) {
    return InvalidArgument("give either ?document=PATH or ?query=JSON");
  }
  ASSIGN_OR_RETURN(auto caller, Caller(options_, request.Header("Authorization"), token));
  std::string listen = R"({"type":"listen","targetId":1,)";
  if (!document.empty()) {
    listen += R"("document":)";
    model::AppendJsonString(listen, document);
  } else {
    listen += R"("query":)" + query;  // parsed (and refused when malformed) by the session
  }
  listen += "}";
  auto outbox = std::make_shared<FirstErrorOutbox>(std::move(session));
  auto stream = ListenSession::Create(engine_, options_, outbox, std::move(caller));
  stream->OnMessage(listen);
  if (Status s = outbox->Release(); !s.ok()) {
    stream->OnClose();
    return s;
  }
  return std::unique_ptr<http::WebSocketConnection>(new Connection(std::move(stream)));
}

ListenHandler::ListenHandler(ListenerEngine& engine, ListenOptions options)
    : engine_(engine), options_(std::move(options)) {}

Result<std::unique_ptr<http::WebSocketConnection>> ListenHandler::OnOpen(
    const http::Request& upgrade, std::shared_ptr<http::WebSocketSession> session) {
  ASSIGN_OR_RETURN(auto caller, Caller(options_, upgrade.Header("Authorization")));
  auto listen = ListenSession::Create(
      engine_, options_, std::make_shared<SessionOutbox>(std::move(session)), std::move(caller));
  return std::unique_ptr<http::WebSocketConnection>(new Connection(std::move(listen)));
}

}  // namespace hearth::realtime
