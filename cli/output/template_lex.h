// The lexer of Go's text/template (text/template/parse/lex.go): text, the
// {{ }} delimiters with their "- " trim markers, comments, and the tokens
// inside an action.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli::output::internal {

enum class TokenType {
  kError,  // val is the message; always the last token
  kBool,
  kChar,  // a printable ASCII character not otherwise used: ',', '}'...
  kCharConstant,
  kComplex,
  kAssign,   // =
  kDeclare,  // :=
  kEOF,
  kField,       // .Name
  kIdentifier,  // a function name
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,  // $ or $name
  // Keywords follow kKeyword.
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  TokenType type = TokenType::kEOF;
  size_t pos = 0;   // byte offset in the template
  std::string val;  // the token's text (or the error message)
  int line = 1;
};

// All tokens of `input`, ending with kEOF or kError.
std::vector<Token> Lex(std::string_view input);

// Go's item.String(), used in parse errors: EOF, <keyword>, "quoted".
std::string TokenString(const Token& token);

}  // namespace berth::cli::output::internal
