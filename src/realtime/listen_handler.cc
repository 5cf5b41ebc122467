#include "realtime/listen_handler.h"

#include "base/strings.h"

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

}  // namespace

ListenHandler::ListenHandler(ListenerEngine& engine, ListenOptions options)
    : engine_(engine), options_(std::move(options)) {}

Result<std::unique_ptr<http::WebSocketConnection>> ListenHandler::OnOpen(
    const http::Request& upgrade, std::shared_ptr<http::WebSocketSession> session) {
  std::shared_ptr<const Principal> caller;
  std::string_view authorization = upgrade.Header("Authorization");
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        !EqualsIgnoreCase(authorization.substr(0, kBearer.size()), kBearer)) {
      return Unauthenticated("Authorization: expected 'Bearer <token>'");
    }
    auto principal = options_.authenticate(authorization.substr(kBearer.size()));
    if (!principal.ok()) return Unauthenticated(principal.status().message());
    caller = std::move(principal).value();
  }
  auto listen = ListenSession::Create(
      engine_, options_, std::make_shared<SessionOutbox>(std::move(session)), std::move(caller));
  return std::unique_ptr<http::WebSocketConnection>(new Connection(std::move(listen)));
}

}  // namespace hearth::realtime
