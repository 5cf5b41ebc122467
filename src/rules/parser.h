// Parsing (text -> Ruleset with unresolved names) and resolution (names -> slots,
// functions, builtins and methods; compile-time checks). Compile() in rules.h runs both.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "rules/ast.h"

namespace hearth::rules::detail {

// invalid-argument "FILE:LINE:COL: message".
Status CompileError(std::string_view file, SourceLocation loc, std::string_view message);

Result<std::unique_ptr<Ruleset>> Parse(std::string_view text, std::string_view file_name);
Status Resolve(Ruleset& ruleset);

}  // namespace hearth::rules::detail
