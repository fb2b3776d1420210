#include "cli/output/template_lex.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "cli/output/go_format.h"

namespace berth::cli::output::internal {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";
constexpr std::string_view kOpenComment = "/*";
constexpr std::string_view kCloseComment = "*/";
constexpr int32_t kEof = -1;

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// Go uses unicode.IsLetter/IsDigit; every non-ASCII rune counts as a letter
// here, which only matters for names nobody writes.
bool IsAlphaNumeric(int32_t r) {
  return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
         r >= 0x80;
}

bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-';
}

size_t CountSpaceSuffix(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsSpace(s[s.size() - 1 - n])) ++n;
  return n;
}
size_t CountSpacePrefix(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsSpace(s[n])) ++n;
  return n;
}

// Go's %#U: U+007D '}'.
std::string RuneString(int32_t r) {
  std::string out = fmt::format("U+{:04X}", r);
  if (r >= 0x20 && r < 0x7f) out += fmt::format(" '{}'", static_cast<char>(r));
  return out;
}

const std::map<std::string, TokenType, std::less<>>& Keywords() {
  static const auto* keywords = new std::map<std::string, TokenType, std::less<>>{
      {".", TokenType::kDot},
      {"block", TokenType::kBlock},
      {"break", TokenType::kBreak},
      {"continue", TokenType::kContinue},
      {"define", TokenType::kDefine},
      {"else", TokenType::kElse},
      {"end", TokenType::kEnd},
      {"if", TokenType::kIf},
      {"range", TokenType::kRange},
      {"nil", TokenType::kNil},
      {"template", TokenType::kTemplate},
      {"with", TokenType::kWith},
  };
  return *keywords;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    State state = State::kText;
    while (state != State::kDone) state = Step(state);
    return std::move(tokens_);
  }

 private:
  enum class State { kText, kLeftDelim, kComment, kRightDelim, kInsideAction, kDone };

  State Step(State state) {
    switch (state) {
      case State::kText:
        return LexText();
      case State::kLeftDelim:
        return LexLeftDelim();
      case State::kComment:
        return LexComment();
      case State::kRightDelim:
        return LexRightDelim();
      case State::kInsideAction:
        return LexInsideAction();
      case State::kDone:
        break;
    }
    return State::kDone;
  }

  // The rune at pos_ (UTF-8 decoded), advancing; kEof at the end.
  int32_t Next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    unsigned char c = static_cast<unsigned char>(in_[pos_]);
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    int32_t r = c;
    if (len > 1 && pos_ + len <= in_.size()) {
      r = c & (0x7f >> len);
      for (size_t k = 1; k < len; ++k) r = (r << 6) | (in_[pos_ + k] & 0x3f);
    } else {
      len = 1;  // a stray byte stands for itself
    }
    width_ = len;
    pos_ += len;
    return r;
  }
  int32_t Peek() {
    int32_t r = Next();
    Backup();
    return r;
  }
  void Backup() { pos_ -= width_; }
  bool Accept(std::string_view valid) {
    int32_t r = Next();
    if (r >= 0 && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) {
      return true;
    }
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }

  // Tokens start ever further on, so the newlines are counted once each
  // (counting from the start for every token made a long template, such as
  // version's, quadratic).
  int LineAt(size_t pos) {
    if (pos < counted_to_) {
      counted_to_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(in_.begin() + static_cast<long>(counted_to_),
                                         in_.begin() + static_cast<long>(pos), '\n'));
    counted_to_ = pos;
    return line_;
  }
  void Emit(TokenType type) {
    tokens_.push_back(
        {type, start_, std::string(in_.substr(start_, pos_ - start_)), LineAt(start_)});
    start_ = pos_;
  }
  State Errorf(std::string message) {
    tokens_.push_back({TokenType::kError, start_, std::move(message), LineAt(start_)});
    return State::kDone;
  }

  // Whether pos_ is at "}}" or " -}}" (the second: trim the following text).
  std::pair<bool, bool> AtRightDelim() const {
    std::string_view rest = in_.substr(pos_);
    if (HasRightTrimMarker(rest) && rest.substr(2).starts_with(kClose)) return {true, true};
    if (rest.starts_with(kClose)) return {true, false};
    return {false, false};
  }

  bool AtTerminator() {
    int32_t r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        return r == kClose[0];
    }
  }

  State LexText() {
    size_t x = in_.find(kOpen, pos_);
    if (x != std::string_view::npos) {
      if (x > pos_) {
        pos_ = x;
        size_t trim = 0;
        if (HasLeftTrimMarker(in_.substr(pos_ + kOpen.size()))) {
          trim = CountSpaceSuffix(in_.substr(start_, pos_ - start_));
        }
        pos_ -= trim;
        if (pos_ > start_) Emit(TokenType::kText);
        pos_ += trim;
        start_ = pos_;
      }
      return State::kLeftDelim;
    }
    pos_ = in_.size();
    if (pos_ > start_) Emit(TokenType::kText);
    Emit(TokenType::kEOF);
    return State::kDone;
  }

  State LexLeftDelim() {
    pos_ += kOpen.size();
    bool trim = HasLeftTrimMarker(in_.substr(pos_));
    size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with(kOpenComment)) {
      pos_ += after;
      start_ = pos_;
      return State::kComment;
    }
    Emit(TokenType::kLeftDelim);
    pos_ += after;
    start_ = pos_;
    paren_depth_ = 0;
    return State::kInsideAction;
  }

  State LexComment() {
    pos_ += kOpenComment.size();
    size_t x = in_.find(kCloseComment, pos_);
    if (x == std::string_view::npos) return Errorf("unclosed comment");
    pos_ = x + kCloseComment.size();
    auto [delim, trim] = AtRightDelim();
    if (!delim) return Errorf("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kClose.size();
    if (trim) pos_ += CountSpacePrefix(in_.substr(pos_));
    start_ = pos_;
    return State::kText;
  }

  State LexRightDelim() {
    bool trim = AtRightDelim().second;
    if (trim) {
      pos_ += 2;
      start_ = pos_;
    }
    pos_ += kClose.size();
    Emit(TokenType::kRightDelim);
    if (trim) {
      pos_ += CountSpacePrefix(in_.substr(pos_));
      start_ = pos_;
    }
    return State::kText;
  }

  State LexInsideAction() {
    if (AtRightDelim().first) {
      if (paren_depth_ == 0) return State::kRightDelim;
      return Errorf("unclosed left paren");
    }
    int32_t r = Next();
    if (r == kEof) return Errorf("unclosed action");
    if (IsSpace(r)) {
      Backup();  // the space may start " -}}"
      return LexSpace();
    }
    switch (r) {
      case '=':
        Emit(TokenType::kAssign);
        return State::kInsideAction;
      case ':':
        if (Next() != '=') return Errorf("expected :=");
        Emit(TokenType::kDeclare);
        return State::kInsideAction;
      case '|':
        Emit(TokenType::kPipe);
        return State::kInsideAction;
      case '"':
        return LexQuote();
      case '`':
        return LexRawQuote();
      case '$':
        return LexVariable();
      case '\'':
        return LexChar();
      case '.':
        if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) {
          return LexFieldOrVariable(TokenType::kField);
        }
        Backup();
        return LexNumber();
      case '(':
        Emit(TokenType::kLeftParen);
        ++paren_depth_;
        return State::kInsideAction;
      case ')':
        if (--paren_depth_ < 0) return Errorf("unexpected right paren");
        Emit(TokenType::kRightParen);
        return State::kInsideAction;
      default:
        break;
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return LexNumber();
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return LexIdentifier();
    }
    if (r < 0x80 && r >= 0x20 && r != 0x7f) {
      Emit(TokenType::kChar);
      return State::kInsideAction;
    }
    return Errorf("unrecognized character in action: " + RuneString(r));
  }

  State LexSpace() {
    int spaces = 0;
    while (IsSpace(Peek())) {
      Next();
      ++spaces;
    }
    // A space before "-}}" belongs to the trim marker.
    std::string_view from_last = in_.substr(pos_ - 1);
    if (HasRightTrimMarker(from_last) && from_last.substr(2).starts_with(kClose)) {
      --pos_;
      if (spaces == 1) return State::kRightDelim;
    }
    Emit(TokenType::kSpace);
    return State::kInsideAction;
  }

  State LexIdentifier() {
    int32_t r;
    while (IsAlphaNumeric(r = Next())) {
    }
    Backup();
    if (!AtTerminator()) return Errorf("bad character " + RuneString(Peek()));
    std::string_view word = in_.substr(start_, pos_ - start_);
    auto it = Keywords().find(word);
    if (it != Keywords().end()) {
      Emit(it->second);
    } else if (word == "true" || word == "false") {
      Emit(TokenType::kBool);
    } else {
      Emit(TokenType::kIdentifier);
    }
    return State::kInsideAction;
  }

  State LexVariable() {
    if (AtTerminator()) {
      Emit(TokenType::kVariable);
      return State::kInsideAction;
    }
    return LexFieldOrVariable(TokenType::kVariable);
  }

  State LexFieldOrVariable(TokenType type) {
    if (AtTerminator()) {
      Emit(type == TokenType::kVariable ? TokenType::kVariable : TokenType::kDot);
      return State::kInsideAction;
    }
    while (IsAlphaNumeric(Next())) {
    }
    Backup();
    if (!AtTerminator()) return Errorf("bad character " + RuneString(Peek()));
    Emit(type);
    return State::kInsideAction;
  }

  State LexChar() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        r = Next();
        if (r != kEof && r != '\n') continue;
      }
      if (r == kEof || r == '\n') return Errorf("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(TokenType::kCharConstant);
    return State::kInsideAction;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  State LexNumber() {
    if (!ScanNumber()) {
      return Errorf(
          fmt::format("bad number syntax: {}", GoQuote(in_.substr(start_, pos_ - start_))));
    }
    int32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') {
        return Errorf(
            fmt::format("bad number syntax: {}", GoQuote(in_.substr(start_, pos_ - start_))));
      }
      Emit(TokenType::kComplex);
    } else {
      Emit(TokenType::kNumber);
    }
    return State::kInsideAction;
  }

  State LexQuote() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        r = Next();
        if (r != kEof && r != '\n') continue;
      }
      if (r == kEof || r == '\n') return Errorf("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(TokenType::kString);
    return State::kInsideAction;
  }

  State LexRawQuote() {
    for (;;) {
      int32_t r = Next();
      if (r == kEof) return Errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(TokenType::kRawString);
    return State::kInsideAction;
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t counted_to_ = 0;  // LineAt: newlines before here are in line_
  int line_ = 1;
  size_t width_ = 0;
  int paren_depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string TokenString(const Token& token) {
  if (token.type == TokenType::kEOF) return "EOF";
  if (token.type == TokenType::kError) return token.val;
  if (token.type > TokenType::kKeyword) return "<" + token.val + ">";
  // Go's %.10q: at most ten runes, quoted, then "...".
  size_t runes = 0;
  size_t cut = token.val.size();
  for (size_t i = 0; i < token.val.size(); ++i) {
    if ((static_cast<unsigned char>(token.val[i]) & 0xc0) == 0x80) continue;
    if (runes++ == 10) {
      cut = i;
      break;
    }
  }
  if (cut < token.val.size()) return GoQuote(token.val.substr(0, cut)) + "...";
  return GoQuote(token.val);
}

}  // namespace berth::cli::output::internal
