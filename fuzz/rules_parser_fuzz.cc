// libFuzzer target: any bytes given to rules::Compile() must give a ruleset or an
// invalid-argument error, never a crash, hang or leak; a ruleset that compiles is then
// evaluated against one request per method (the evaluator must be as robust).
// Built and run by scripts/fuzz-rules.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/rules.h"

namespace {

using hearth::Result;
using hearth::model::Map;
using hearth::model::Value;
using hearth::rules::Method;

class Reader : public hearth::rules::DocumentReader {
 public:
  Result<std::optional<Map>> Get(std::string_view path) override {
    if (path.size() % 3 == 0) return {std::nullopt};
    return {Map{{"role", Value::String("admin")}, {"n", Value::Integer(1)}}};
  }
  Result<std::optional<Map>> GetAfter(std::string_view path) override { return Get(path); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ruleset = hearth::rules::Compile(text, "fuzz.rules");
  if (!ruleset.ok()) {
    if (ruleset.status().code() != hearth::Code::kInvalidArgument) __builtin_trap();
    return 0;
  }
  static const hearth::rules::Auth auth{
      .uid = "u1",
      .token = Map{{"email", Value::String("a@b.c")}, {"email_verified", Value::Boolean(true)}}};
  static const Map doc{{"authorId", Value::String("u1")},
                       {"tags", Value::FromArray({Value::String("a"), Value::Integer(2)})},
                       {"nested", Value::FromMap(Map{{"x", Value::Double(1.5)}})}};
  Reader reader;
  for (Method method :
       {Method::kGet, Method::kList, Method::kCreate, Method::kUpdate, Method::kDelete}) {
    hearth::rules::Request request{
        .method = method,
        .path = "posts/p1",
        .auth = &auth,
        .resource = method == Method::kCreate ? nullptr : &doc,
        .request_resource = method == Method::kCreate || method == Method::kUpdate ? &doc : nullptr,
        .time_micros = 1'700'000'000'000'000,
        .reader = &reader,
        .resource_partial = method == Method::kList};
    (void)hearth::rules::Evaluate(**ruleset, request);
  }
  return 0;
}
