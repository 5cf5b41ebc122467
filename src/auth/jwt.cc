#include "auth/jwt.h"

#include "base/strings.h"
#include "model/json.h"
#include "model/json_view.h"

namespace hearth::auth {
namespace {

constexpr size_t kMaxTokenBytes = 16 * 1024;

bool IsBase64UrlSegment(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<DecodedJwt> DecodeJwt(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return Unauthenticated("the token is too long");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauthenticated("the token is not a JWT (three dot-separated parts)");
  }
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view sig_b64 = token.substr(dot2 + 1);
  if (!IsBase64UrlSegment(header_b64) || !IsBase64UrlSegment(payload_b64) ||
      !IsBase64UrlSegment(sig_b64)) {
    return Unauthenticated("the token's parts are not base64url");
  }
  auto header = Base64Decode(header_b64);
  auto payload = Base64Decode(payload_b64);
  auto signature = Base64Decode(sig_b64);
  if (!header || !payload || !signature) {
    return Unauthenticated("the token's parts are not base64url");
  }
  DecodedJwt out;
  {
    auto doc = model::JsonDocument::Parse(*header);
    if (!doc.ok() || !doc->root().is_object()) {
      return Unauthenticated("the token's header is not a JSON object");
    }
    auto alg = doc->root().Get("alg");
    if (!alg || !alg->is_string()) return Unauthenticated("the token's header has no alg");
    out.alg = std::string(alg->AsString());
    if (auto kid = doc->root().Get("kid"); kid && kid->is_string()) {
      out.kid = std::string(kid->AsString());
    }
  }
  {
    auto doc = model::JsonDocument::Parse(*payload);
    if (!doc.ok() || !doc->root().is_object()) {
      return Unauthenticated("the token's payload is not a JSON object");
    }
  }
  out.signing_input = std::string(token.substr(0, dot2));
  out.signature = std::move(*signature);
  out.payload = std::move(*payload);
  return out;
}

Result<std::string> SignJwt(const RsaKey& key, std::string_view kid,
                            std::string_view payload_json) {
  std::string header = R"({"alg":"RS256","kid":)";
  model::AppendJsonString(header, kid);
  header += R"(,"typ":"JWT"})";
  std::string token = Base64UrlEncode(header);
  token += '.';
  token += Base64UrlEncode(payload_json);
  ASSIGN_OR_RETURN(std::string sig, key.SignRs256(token));
  token += '.';
  token += Base64UrlEncode(sig);
  return token;
}

}  // namespace hearth::auth
