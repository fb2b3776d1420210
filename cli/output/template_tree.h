// The parse tree of a Go text/template (text/template/parse/node.go and
// parse.go), and the parser that builds it from Lex's tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cli::output::internal {

enum class NodeType {
  kList,
  kText,
  kAction,
  kIf,
  kRange,
  kWith,
  kBreak,
  kContinue,
  kPipe,
  kCommand,
  kField,       // .A.B: idents {A, B}
  kVariable,    // $x.A: idents {$x, A}
  kChain,       // (pipe).A or (.X).A: nodes {operand}, idents {A}
  kIdentifier,  // a function name
  kDot,
  kNil,
  kBool,
  kNumber,
  kString,
};

struct Node {
  NodeType type = NodeType::kList;
  size_t pos = 0;  // byte offset in the template, for error locations
  int line = 1;

  // kText: the text. kString: the quoted source. kNumber: the literal.
  // kIdentifier: the name.
  std::string text;
  std::string str;                  // kString: the unquoted value
  bool boolean = false;             // kBool
  std::vector<std::string> idents;  // kField, kVariable, kChain
  // kList: items; kPipe: commands; kCommand: operands; kChain: {operand}.
  std::vector<Node> nodes;

  // kPipe: variables declared (:=) or assigned (=).
  std::vector<std::string> decls;
  bool is_assign = false;

  // kAction: pipe. kIf, kRange, kWith: pipe, list, else_list (may be null).
  std::unique_ptr<Node> pipe;
  std::unique_ptr<Node> list;
  std::unique_ptr<Node> else_list;

  // kNumber (kChar constants are numbers too), typed as Go's parser does.
  bool is_int = false;
  bool is_float = false;
  bool float_syntax = false;  // written as a float (1.0, 1e3): a float64 when untyped
  int64_t int_value = 0;
  double float_value = 0;
};

// Function names the parser accepts (Go's "function %q not defined" check).
bool IsKnownFunction(std::string_view name);

// Parses a template; errors are InvalidArgument with Go's text
// ("template: :1: unexpected \"}\" in operand").
absl::StatusOr<std::unique_ptr<Node>> ParseTemplate(std::string_view text);

// Go's Node.String(): the node written back as template source.
std::string NodeString(const Node& node);

}  // namespace berth::cli::output::internal
