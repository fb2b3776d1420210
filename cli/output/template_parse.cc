// The parser of Go's text/template (text/template/parse/parse.go), with its
// error messages; {{define}}, {{template}} and {{block}} are not supported.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "cli/output/go_format.h"
#include "cli/output/template_lex.h"
#include "cli/output/template_tree.h"
#include "common/status.h"

namespace berth::cli::output::internal {
namespace {

using T = TokenType;

// strconv.ParseInt/ParseUint with base 0: 0x, 0o, 0b, 0 (octal) prefixes
// and '_' separators after a prefix.
std::optional<uint64_t> ParseGoUint(std::string_view text) {
  int base = 10;
  if (text.size() > 1 && text[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      text.remove_prefix(2);
    } else {
      base = 8;
      text.remove_prefix(1);
    }
  }
  std::string digits;
  for (char c : text) {
    if (c == '_' && base != 10) continue;
    digits += c;
  }
  if (digits.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

// strconv.UnquoteChar's escapes, for string and character literals.
bool Unescape(std::string_view body, char quote, std::string* out) {
  auto append_rune = [out](uint32_t r) {
    if (r < 0x80) {
      *out += static_cast<char>(r);
    } else if (r < 0x800) {
      *out += static_cast<char>(0xc0 | (r >> 6));
      *out += static_cast<char>(0x80 | (r & 0x3f));
    } else if (r < 0x10000) {
      *out += static_cast<char>(0xe0 | (r >> 12));
      *out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (r & 0x3f));
    } else {
      *out += static_cast<char>(0xf0 | (r >> 18));
      *out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
      *out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (r & 0x3f));
    }
  };
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == quote) return false;
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++i >= body.size()) return false;
    char e = body[i];
    switch (e) {
      case 'a':
        *out += '\a';
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'v':
        *out += '\v';
        break;
      case '\\':
        *out += '\\';
        break;
      case '\'':
      case '"':
        if (e != quote) return false;
        *out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        std::string_view hex = body.substr(i + 1, n);
        auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
        if (hex.size() != n || ec != std::errc() || ptr != hex.data() + hex.size()) return false;
        if (e == 'x') {
          *out += static_cast<char>(v);
        } else {
          if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
          append_rune(v);
        }
        i += n;
        break;
      }
      default: {
        if (e < '0' || e > '7') return false;
        std::string_view oct = body.substr(i, 3);
        uint32_t v = 0;
        auto [ptr, ec] = std::from_chars(oct.data(), oct.data() + oct.size(), v, 8);
        if (oct.size() != 3 || ec != std::errc() || ptr != oct.data() + 3 || v > 255) return false;
        *out += static_cast<char>(v);
        i += 2;
      }
    }
  }
  return true;
}

// strconv.Unquote of a "..." or `...` literal.
std::optional<std::string> Unquote(std::string_view lit) {
  if (lit.size() < 2) return std::nullopt;
  if (lit[0] == '`') {
    std::string out;
    for (char c : lit.substr(1, lit.size() - 2)) {
      if (c != '\r') out += c;  // Go drops carriage returns from raw strings
    }
    return out;
  }
  std::string out;
  if (!Unescape(lit.substr(1, lit.size() - 2), '"', &out)) return std::nullopt;
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(Lex(text)) {}

  absl::StatusOr<std::unique_ptr<Node>> Parse() {
    auto root = std::make_unique<Node>();
    root->type = NodeType::kList;
    while (Peek().type != T::kEOF) {
      BERTH_ASSIGN_OR_RETURN(Node n, TextOrAction());
      if (n.type == NodeType::kList && n.text == "end")
        return Errorf(n.line, "unexpected {{{{end}}}}");
      if (n.type == NodeType::kList && n.text == "else") {
        return Errorf(n.line, "unexpected {{{{else}}}}");
      }
      root->nodes.push_back(std::move(n));
    }
    return root;
  }

 private:
  // ---- tokens ----
  // Reading past the end keeps returning the last token (EOF or an error).
  const Token& At(size_t i) const { return tokens_[std::min(i, tokens_.size() - 1)]; }
  const Token& Next() {
    last_ = &At(idx_++);
    return *last_;
  }
  const Token& Peek() const { return At(idx_); }
  void Backup() {
    if (idx_ > 0) --idx_;
  }
  const Token& NextNonSpace() {
    const Token* t;
    do {
      t = &Next();
    } while (t->type == T::kSpace);
    return *t;
  }
  const Token& PeekNonSpace() {
    const Token& t = NextNonSpace();
    Backup();
    return t;
  }
  const Token& Current() const { return last_ ? *last_ : tokens_[idx_]; }

  // ---- errors ----
  template <typename... Args>
  absl::Status Errorf(int line, fmt::format_string<Args...> format, Args&&... args) {
    return InvalidArgumentf("template: :{}: {}", line,
                            fmt::format(format, std::forward<Args>(args)...));
  }
  template <typename... Args>
  absl::Status Errorf(const Token& at, fmt::format_string<Args...> format, Args&&... args) {
    return Errorf(at.line, format, std::forward<Args>(args)...);
  }
  absl::Status Unexpected(const Token& token, std::string_view context) {
    if (token.type == T::kError) return Errorf(token, "{}", token.val);
    return Errorf(token, "unexpected {} in {}", TokenString(token), context);
  }
  absl::Status Expect(T type, std::string_view context) {
    const Token& t = NextNonSpace();
    if (t.type != type) return Unexpected(t, context);
    return absl::OkStatus();
  }

  static Node Make(NodeType type, const Token& at) {
    Node n;
    n.type = type;
    n.pos = at.pos;
    n.line = at.line;
    return n;
  }
  // {{end}} and {{else}} travel up as marker lists ("end", "else").
  static Node Marker(const Token& at, const char* what) {
    Node n = Make(NodeType::kList, at);
    n.text = what;
    return n;
  }
  static bool IsMarker(const Node& n, std::string_view what) {
    return n.type == NodeType::kList && n.text == what;
  }

  // ---- grammar ----
  absl::StatusOr<Node> TextOrAction() {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case T::kText: {
        Node n = Make(NodeType::kText, t);
        n.text = t.val;
        return n;
      }
      case T::kLeftDelim:
        return Action();
      default:
        return Unexpected(t, "input");
    }
  }

  // Items until {{end}} or {{else}}, which is returned in *next.
  absl::StatusOr<Node> ItemList(Node* next) {
    Node list = Make(NodeType::kList, PeekNonSpace());
    while (PeekNonSpace().type != T::kEOF) {
      BERTH_ASSIGN_OR_RETURN(Node n, TextOrAction());
      if (IsMarker(n, "end") || IsMarker(n, "else")) {
        *next = std::move(n);
        return list;
      }
      list.nodes.push_back(std::move(n));
    }
    return Errorf(Peek(), "unexpected EOF");
  }

  absl::StatusOr<Node> Action() {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case T::kBlock:
      case T::kDefine:
      case T::kTemplate:
        return Errorf(t, "{{{{{}}}}} is not supported", t.val);
      case T::kBreak:
      case T::kContinue: {
        const Token& kw = t;
        const Token& close = NextNonSpace();
        if (close.type != T::kRightDelim) return Unexpected(close, "{{" + kw.val + "}}");
        if (range_depth_ == 0) return Errorf(kw, "{{{{{}}}}} outside {{{{range}}}}", kw.val);
        return Make(kw.type == T::kBreak ? NodeType::kBreak : NodeType::kContinue, kw);
      }
      case T::kElse:
        return ElseControl();
      case T::kEnd: {
        const Token& kw = t;
        BERTH_RETURN_IF_ERROR(Expect(T::kRightDelim, "end"));
        return Marker(kw, "end");
      }
      case T::kIf:
        return Control(NodeType::kIf, "if");
      case T::kRange:
        return Control(NodeType::kRange, "range");
      case T::kWith:
        return Control(NodeType::kWith, "with");
      default:
        break;
    }
    Backup();
    const Token& start = Peek();
    Node action = Make(NodeType::kAction, start);
    BERTH_ASSIGN_OR_RETURN(Node pipe, Pipeline("command", T::kRightDelim));
    action.pipe = std::make_unique<Node>(std::move(pipe));
    return action;
  }

  absl::StatusOr<Node> ElseControl() {
    const Token& peek = PeekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}" leave the keyword pending.
    if (peek.type == T::kIf || peek.type == T::kWith) return Marker(peek, "else");
    BERTH_RETURN_IF_ERROR(Expect(T::kRightDelim, "else"));
    return Marker(Current(), "else");
  }

  absl::StatusOr<Node> Control(NodeType type, std::string_view context) {
    size_t vars_mark = vars_.size();
    BERTH_ASSIGN_OR_RETURN(Node pipe, Pipeline(context, T::kRightDelim));
    Node n = Make(type, Current());
    n.pos = pipe.pos;
    n.line = pipe.line;
    if (type == NodeType::kRange) ++range_depth_;
    Node next;
    auto list = ItemList(&next);
    if (type == NodeType::kRange) --range_depth_;
    if (!list.ok()) return list.status();
    n.list = std::make_unique<Node>(std::move(*list));
    if (IsMarker(next, "else")) {
      if ((type == NodeType::kIf && Peek().type == T::kIf) ||
          (type == NodeType::kWith && Peek().type == T::kWith)) {
        // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}.
        const Token& kw = Next();
        Node else_list = Make(NodeType::kList, kw);
        BERTH_ASSIGN_OR_RETURN(Node inner, Control(type, context));
        else_list.nodes.push_back(std::move(inner));
        n.else_list = std::make_unique<Node>(std::move(else_list));
      } else {
        Node end;
        BERTH_ASSIGN_OR_RETURN(Node else_list, ItemList(&end));
        if (!IsMarker(end, "end")) return Errorf(end.line, "expected end; found {{{{else}}}}");
        n.else_list = std::make_unique<Node>(std::move(else_list));
      }
    }
    n.pipe = std::make_unique<Node>(std::move(pipe));
    vars_.resize(vars_mark);
    return n;
  }

  absl::StatusOr<Node> Pipeline(std::string_view context, T end) {
    Node pipe = Make(NodeType::kPipe, PeekNonSpace());
    // Declarations: "$x :=", "$x =", and in range "$i, $e :=".
    for (;;) {
      const Token& v = PeekNonSpace();
      if (v.type != T::kVariable) break;
      size_t save = idx_;
      Next();
      const Token& next = PeekNonSpace();
      if (next.type == T::kAssign || next.type == T::kDeclare) {
        pipe.is_assign = next.type == T::kAssign;
        NextNonSpace();
        pipe.decls.push_back(v.val);
        vars_.push_back(v.val);
        break;
      }
      if (next.type == T::kChar && next.val == ",") {
        NextNonSpace();
        pipe.decls.push_back(v.val);
        vars_.push_back(v.val);
        if (context == "range" && pipe.decls.size() < 2) {
          T after = PeekNonSpace().type;
          if (after == T::kVariable || after == T::kRightDelim || after == T::kRightParen) {
            continue;  // the second variable of a range
          }
          return Errorf(Current(), "range can only initialize variables");
        }
        return Errorf(Current(), "too many declarations in {}", context);
      }
      idx_ = save;  // "$x foo": an operand, not a declaration
      break;
    }
    for (;;) {
      const Token& t = NextNonSpace();
      if (t.type == end) {
        if (pipe.nodes.empty()) return Errorf(t, "missing value for {}", context);
        for (size_t i = 1; i < pipe.nodes.size(); ++i) {
          switch (pipe.nodes[i].nodes[0].type) {
            case NodeType::kBool:
            case NodeType::kDot:
            case NodeType::kNil:
            case NodeType::kNumber:
            case NodeType::kString:
              return Errorf(t, "non executable command in pipeline stage {}", i + 1);
            default:
              break;
          }
        }
        return pipe;
      }
      switch (t.type) {
        case T::kBool:
        case T::kCharConstant:
        case T::kComplex:
        case T::kDot:
        case T::kField:
        case T::kIdentifier:
        case T::kNumber:
        case T::kNil:
        case T::kRawString:
        case T::kString:
        case T::kVariable:
        case T::kLeftParen: {
          Backup();
          BERTH_ASSIGN_OR_RETURN(Node cmd, Command());
          pipe.nodes.push_back(std::move(cmd));
          break;
        }
        default:
          return Unexpected(t, context);
      }
    }
  }

  absl::StatusOr<Node> Command() {
    Node cmd = Make(NodeType::kCommand, PeekNonSpace());
    for (;;) {
      PeekNonSpace();
      BERTH_ASSIGN_OR_RETURN(std::optional<Node> operand, Operand());
      if (operand) cmd.nodes.push_back(std::move(*operand));
      const Token& t = Next();
      if (t.type == T::kSpace) continue;
      if (t.type == T::kRightDelim || t.type == T::kRightParen) {
        Backup();
      } else if (t.type != T::kPipe) {
        return Unexpected(t, "operand");
      }
      break;
    }
    if (cmd.nodes.empty()) return Errorf(Current(), "empty command");
    return cmd;
  }

  absl::StatusOr<std::optional<Node>> Operand() {
    BERTH_ASSIGN_OR_RETURN(std::optional<Node> term, Term());
    if (!term || Peek().type != T::kField) return term;
    Node chain = Make(NodeType::kChain, Peek());
    while (Peek().type == T::kField) {
      // ".A.B" arrives as one token; split it into its names.
      std::string_view f = Next().val;
      while (!f.empty()) {
        f.remove_prefix(1);
        size_t dot = f.find('.');
        chain.idents.emplace_back(f.substr(0, dot));
        f = dot == std::string_view::npos ? std::string_view() : f.substr(dot);
      }
    }
    switch (term->type) {
      case NodeType::kField:
      case NodeType::kVariable:
        term->idents.insert(term->idents.end(), chain.idents.begin(), chain.idents.end());
        return term;
      case NodeType::kBool:
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kNil:
      case NodeType::kDot:
        return Errorf(Current(), "unexpected . after term {}", GoQuote(NodeString(*term)));
      default:
        chain.pos = term->pos;
        chain.nodes.push_back(std::move(*term));
        return std::optional<Node>(std::move(chain));
    }
  }

  absl::StatusOr<std::optional<Node>> Term() {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case T::kIdentifier: {
        if (!IsKnownFunction(t.val)) return Errorf(t, "function {} not defined", GoQuote(t.val));
        Node n = Make(NodeType::kIdentifier, t);
        n.text = t.val;
        return std::optional<Node>(std::move(n));
      }
      case T::kDot:
        return std::optional<Node>(Make(NodeType::kDot, t));
      case T::kNil:
        return std::optional<Node>(Make(NodeType::kNil, t));
      case T::kVariable: {
        if (std::find(vars_.begin(), vars_.end(), Split(t.val)[0]) == vars_.end()) {
          return Errorf(t, "undefined variable {}", GoQuote(Split(t.val)[0]));
        }
        Node n = Make(NodeType::kVariable, t);
        n.idents = Split(t.val);
        return std::optional<Node>(std::move(n));
      }
      case T::kField: {
        Node n = Make(NodeType::kField, t);
        n.idents = Split(t.val.substr(1));
        return std::optional<Node>(std::move(n));
      }
      case T::kBool: {
        Node n = Make(NodeType::kBool, t);
        n.boolean = t.val == "true";
        n.text = t.val;
        return std::optional<Node>(std::move(n));
      }
      case T::kCharConstant:
      case T::kComplex:
      case T::kNumber: {
        BERTH_ASSIGN_OR_RETURN(Node n, Number(t));
        return std::optional<Node>(std::move(n));
      }
      case T::kLeftParen: {
        BERTH_ASSIGN_OR_RETURN(Node pipe, Pipeline("parenthesized pipeline", T::kRightParen));
        return std::optional<Node>(std::move(pipe));
      }
      case T::kString:
      case T::kRawString: {
        std::optional<std::string> s = Unquote(t.val);
        if (!s) return Errorf(t, "invalid syntax");
        Node n = Make(NodeType::kString, t);
        n.text = t.val;
        n.str = std::move(*s);
        return std::optional<Node>(std::move(n));
      }
      default:
        Backup();
        return std::optional<Node>();
    }
  }

  // Go's newNumber: an int when the value is integral, a float when it
  // parses as one; float_syntax marks "1.0" and "1e3".
  absl::StatusOr<Node> Number(const Token& t) {
    Node n = Make(NodeType::kNumber, t);
    n.text = t.val;
    std::string_view text = t.val;
    if (t.type == T::kCharConstant) {
      std::string decoded;
      std::string_view body = text.substr(1, text.size() - 2);
      if (body.empty() || !Unescape(body, '\'', &decoded)) {
        return Errorf(t, "malformed character constant: {}", text);
      }
      // One rune: decode its UTF-8 back to a code point.
      uint32_t r = static_cast<unsigned char>(decoded[0]);
      size_t len = r >= 0xf0 ? 4 : r >= 0xe0 ? 3 : r >= 0xc0 ? 2 : 1;
      if (len > 1) r &= 0x7fu >> len;
      for (size_t k = 1; k < len && k < decoded.size(); ++k) {
        r = (r << 6) | (static_cast<unsigned char>(decoded[k]) & 0x3fu);
      }
      if (decoded.size() != len) return Errorf(t, "malformed character constant: {}", text);
      n.is_int = n.is_float = true;
      n.int_value = r;
      n.float_value = r;
      return n;
    }
    if (t.type == T::kComplex || text.back() == 'i') {
      return Errorf(t, "complex constants are not supported: {}", text);
    }
    bool neg = !text.empty() && text[0] == '-';
    std::string_view mag = text;
    if (!mag.empty() && (mag[0] == '-' || mag[0] == '+')) mag.remove_prefix(1);
    if (std::optional<uint64_t> u = ParseGoUint(mag)) {
      if (*u <= static_cast<uint64_t>(INT64_MAX) ||
          (neg && *u == static_cast<uint64_t>(INT64_MAX) + 1)) {
        n.is_int = true;
        n.int_value = neg ? static_cast<int64_t>(0 - *u) : static_cast<int64_t>(*u);
        n.is_float = true;
        n.float_value = static_cast<double>(n.int_value);
        return n;
      }
    }
    std::string cleaned;
    for (char c : text) {
      if (c != '_') cleaned += c;
    }
    char* end = nullptr;
    double f = std::strtod(cleaned.c_str(), &end);
    if (end == cleaned.c_str() || *end != '\0') {
      return Errorf(t, "illegal number syntax: {}", GoQuote(text));
    }
    bool hex = mag.size() > 1 && mag[0] == '0' && (mag[1] == 'x' || mag[1] == 'X');
    if (text.find_first_of(hex ? "pP." : ".eEpP") == std::string_view::npos) {
      return Errorf(t, "integer overflow: {}", GoQuote(text));
    }
    n.is_float = true;
    n.float_syntax = true;
    n.float_value = f;
    if (std::trunc(f) == f && std::fabs(f) < 9.2e18) {
      n.is_int = true;
      n.int_value = static_cast<int64_t>(f);
    }
    return n;
  }

  // "$x.A.B" -> {"$x", "A", "B"}; "A.B" -> {"A", "B"}.
  static std::vector<std::string> Split(std::string_view s) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
      size_t dot = s.find('.', start);
      out.emplace_back(s.substr(start, dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return out;
  }

  std::vector<Token> tokens_;
  size_t idx_ = 0;
  const Token* last_ = nullptr;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
};

std::string JoinNodes(const std::vector<Node>& nodes, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0) out += sep;
    if (nodes[i].type == NodeType::kPipe) {
      out += "(" + NodeString(nodes[i]) + ")";
    } else {
      out += NodeString(nodes[i]);
    }
  }
  return out;
}

}  // namespace

bool IsKnownFunction(std::string_view name) {
  static const auto* names = new std::set<std::string, std::less<>>{
      "and",  "eq",    "ge",    "gt",    "index",  "le",      "len",  "lt",
      "ne",   "not",   "or",    "print", "printf", "println", "json", "split",
      "join", "title", "lower", "upper", "pad",    "truncate"};
  return names->count(name) > 0;
}

absl::StatusOr<std::unique_ptr<Node>> ParseTemplate(std::string_view text) {
  return Parser(text).Parse();
}

std::string NodeString(const Node& n) {
  auto join = [](const std::vector<std::string>& v, size_t from) {
    std::string out;
    for (size_t i = from; i < v.size(); ++i) out += "." + v[i];
    return out;
  };
  switch (n.type) {
    case NodeType::kField:
      return join(n.idents, 0);
    case NodeType::kVariable:
      return n.idents.empty() ? "" : n.idents[0] + join(n.idents, 1);
    case NodeType::kChain: {
      std::string s = n.nodes.empty() ? "" : NodeString(n.nodes[0]);
      if (!n.nodes.empty() && n.nodes[0].type == NodeType::kPipe) s = "(" + s + ")";
      return s + join(n.idents, 0);
    }
    case NodeType::kIdentifier:
    case NodeType::kNumber:
    case NodeType::kString:
    case NodeType::kBool:
    case NodeType::kText:
      return n.text;
    case NodeType::kDot:
      return ".";
    case NodeType::kNil:
      return "nil";
    case NodeType::kCommand:
      return JoinNodes(n.nodes, " ");
    case NodeType::kPipe: {
      std::string s;
      for (size_t i = 0; i < n.decls.size(); ++i) s += (i > 0 ? ", " : "") + n.decls[i];
      if (!n.decls.empty()) s += n.is_assign ? " = " : " := ";
      std::string cmds;
      for (size_t i = 0; i < n.nodes.size(); ++i) {
        cmds += (i > 0 ? " | " : "") + NodeString(n.nodes[i]);
      }
      return s + cmds;
    }
    case NodeType::kAction:
      return "{{" + (n.pipe ? NodeString(*n.pipe) : "") + "}}";
    case NodeType::kIf:
      return "{{if " + (n.pipe ? NodeString(*n.pipe) : "") + "}}";
    case NodeType::kRange:
      return "{{range " + (n.pipe ? NodeString(*n.pipe) : "") + "}}";
    case NodeType::kWith:
      return "{{with " + (n.pipe ? NodeString(*n.pipe) : "") + "}}";
    case NodeType::kBreak:
      return "{{break}}";
    case NodeType::kContinue:
      return "{{continue}}";
    case NodeType::kList:
      return JoinNodes(n.nodes, "");
  }
  return "";
}

}  // namespace berth::cli::output::internal
