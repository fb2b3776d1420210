// A port of containerd's pkg/filters. The scanner and parser keep containerd's
// structure and quirks (token kinds, the one-rune lookahead, the positions
// and texts of errors) so that a filter means the same thing, and fails the
// same way, against both daemons.
#include "containerd/core/metadata/filters.h"

#include <re2/re2.h>

#include <cstdint>
#include <utility>

#include "common/status.h"

namespace berth::containerd::metadata {
namespace {

using Rune = int32_t;

// scanner.go's tokens; any other value is the rune itself.
constexpr Rune kTokenEOF = -1;
constexpr Rune kTokenQuoted = -2;
constexpr Rune kTokenValue = -3;
constexpr Rune kTokenField = -4;
constexpr Rune kTokenSeparator = -5;
constexpr Rune kTokenOperator = -6;
constexpr Rune kTokenIllegal = -7;

constexpr Rune kRuneError = 0xFFFD;
constexpr Rune kMaxRune = 0x10FFFF;

struct Decoded {
  Rune rune;
  size_t width;
};

// utf8.DecodeRuneInString: (RuneError, 0) on empty input, (RuneError, 1) on
// an invalid, overlong or surrogate encoding.
Decoded DecodeRune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t c = b(0);
  if (c < 0x80) return {c, 1};
  size_t n;
  Rune r;
  Rune min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return {kRuneError, 1};
  }
  if (s.size() < n) return {kRuneError, 1};
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return {kRuneError, 1};
    r = (r << 6) | (b(i) & 0x3F);
  }
  if (r < min || r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) return {kRuneError, 1};
  return {r, n};
}

// utf8.EncodeRune: invalid runes (negative, surrogates, past kMaxRune)
// become U+FFFD.
void AppendRune(std::string& out, Rune r) {
  if (r < 0 || r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  auto u = static_cast<uint32_t>(r);
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xC0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xE0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  }
}

// unicode.IsSpace.
bool IsSpace(Rune r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

bool IsAlpha(Rune r) { return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'); }
bool IsDigit(Rune r) { return r >= '0' && r <= '9'; }
bool IsFieldRune(Rune r) { return r == '_' || IsAlpha(r) || IsDigit(r); }
bool IsOperatorRune(Rune r) { return r == '=' || r == '!' || r == '~'; }
bool IsQuoteRune(Rune r) { return r == '/' || r == '|' || r == '"'; }
bool IsSeparatorRune(Rune r) { return r == ',' || r == '.'; }

// containerd accepts letters, digits, graphic and punctuation runes. ASCII
// is exact; beyond it every rune but the C1 controls and spaces counts, which
// differs from Go's tables only for unassigned and format code points.
bool IsValueRune(Rune r) {
  if (r == ',' || r < 0 || IsSpace(r)) return false;
  if (r < 0x80) return r > 0x20 && r < 0x7F;
  return r >= 0xA0;
}

int DigitVal(Rune r) {
  if (r >= '0' && r <= '9') return r - '0';
  if (r >= 'a' && r <= 'f') return r - 'a' + 10;
  if (r >= 'A' && r <= 'F') return r - 'A' + 10;
  return 16;  // larger than any legal digit
}

struct Token {
  size_t pos;
  Rune kind;
  std::string_view text;
};

// scanner.go. pos_ is where the current rune starts, ppos_ where it ends.
class Scanner {
 public:
  explicit Scanner(std::string_view input) : input_(input) {}

  size_t ppos() const { return ppos_; }
  const std::string& err() const { return err_; }

  Rune Next() {
    if (pos_ >= input_.size()) return kTokenEOF;
    pos_ = ppos_;
    Decoded d = DecodeRune(input_.substr(ppos_));
    ppos_ += d.width;
    if (d.rune == kRuneError) {
      if (d.width > 0) {
        Error("rune error");
        return kTokenIllegal;
      }
      return kTokenEOF;
    }
    if (d.rune == 0) {
      Error("unexpected null");
      return kTokenIllegal;
    }
    return d.rune;
  }

  Rune Peek() {
    size_t pos = pos_;
    size_t ppos = ppos_;
    Rune ch = Next();
    pos_ = pos;
    ppos_ = ppos;
    return ch;
  }

  Token Scan() {
    Rune ch = Next();
    size_t pos = pos_;
    while (ch != kTokenEOF && ch != kTokenIllegal) {
      if (IsQuoteRune(ch)) {
        Rune kind = ScanQuoted(ch) ? kTokenQuoted : kTokenIllegal;
        return {pos, kind, Text(pos)};
      }
      if (IsSeparatorRune(ch)) {
        value_ = false;
        return {pos, kTokenSeparator, Text(pos)};
      }
      if (IsOperatorRune(ch)) {
        ScanOperator();
        value_ = true;
        return {pos, kTokenOperator, Text(pos)};
      }
      if (IsSpace(ch)) {
        ch = Next();
        pos = pos_;
        continue;
      }
      if (value_) {
        ScanValue();
        value_ = false;
        return {pos, kTokenValue, Text(pos)};
      }
      if (IsFieldRune(ch)) {
        ScanField();
        return {pos, kTokenField, Text(pos)};
      }
      break;
    }
    return {pos_, ch, {}};
  }

 private:
  std::string_view Text(size_t pos) const { return input_.substr(pos, ppos_ - pos); }

  void ScanField() {
    while (IsFieldRune(Peek())) Next();
  }
  void ScanOperator() {
    while (IsOperatorRune(Peek())) Next();
  }
  void ScanValue() {
    while (IsValueRune(Peek())) Next();
  }

  bool ScanQuoted(Rune quote) {
    bool illegal = false;
    Rune ch = Next();  // the rune after the opening quote
    while (ch != quote) {
      if (ch == '\n' || ch < 0) {
        Error("quoted literal not terminated");
        return false;
      }
      if (ch == '\\') {
        bool legal = false;
        ch = ScanEscape(quote, &legal);
        if (!legal) illegal = true;
      } else {
        ch = Next();
      }
    }
    return !illegal;
  }

  Rune ScanEscape(Rune quote, bool* legal) {
    Rune ch = Next();  // the rune after the backslash
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        *legal = true;
        return Next();
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        return ScanDigits(ch, 8, 3, legal);
      case 'x':
        return ScanDigits(Next(), 16, 2, legal);
      case 'u':
        return ScanDigits(Next(), 16, 4, legal);
      case 'U':
        return ScanDigits(Next(), 16, 8, legal);
      default:
        if (ch == quote) {
          *legal = true;
          return Next();
        }
        Error("illegal escape sequence");
        *legal = false;
        return ch;
    }
  }

  Rune ScanDigits(Rune ch, int base, int n, bool* legal) {
    while (n > 0 && DigitVal(ch) < base) {
      ch = Next();
      --n;
    }
    *legal = n == 0;
    if (!*legal) Error("illegal numeric escape sequence");
    return ch;
  }

  void Error(std::string_view message) {
    if (err_.empty()) err_ = std::string(message);
  }

  std::string_view input_;
  size_t pos_ = 0;
  size_t ppos_ = 0;
  bool value_ = false;  // the next bare word is a value (an operator came last)
  std::string err_;
};

constexpr std::string_view kQuoteSyntax = "quote syntax error";

int Unhex(char c) {
  int v = DigitVal(static_cast<unsigned char>(c));
  return v < 16 ? v : -1;
}

// quote.go's unquote for the three quotes the scanner produces: '"', '/' and
// '|', all with Go's double-quoted escapes. Returns nullopt on a syntax error.
std::optional<std::string> Unquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  char quote = s.front();
  if (quote != s.back()) return std::nullopt;
  if (quote != '"' && quote != '/' && quote != '|') return std::nullopt;
  s = s.substr(1, s.size() - 2);
  if (s.find('\n') != std::string_view::npos) return std::nullopt;
  if (s.find('\\') == std::string_view::npos && s.find(quote) == std::string_view::npos) {
    return std::string(s);
  }
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s[0]);
    if (c == static_cast<unsigned char>(quote)) return std::nullopt;
    if (c >= 0x80) {
      Decoded d = DecodeRune(s);
      AppendRune(out, d.rune);
      s.remove_prefix(d.width);
      continue;
    }
    if (c != '\\') {
      out += static_cast<char>(c);
      s.remove_prefix(1);
      continue;
    }
    if (s.size() <= 1) return std::nullopt;
    char e = s[1];
    s.remove_prefix(2);
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (s.size() < n) return std::nullopt;
        uint32_t v = 0;
        for (size_t j = 0; j < n; ++j) {
          int x = Unhex(s[j]);
          if (x < 0) return std::nullopt;
          v = (v << 4) | static_cast<uint32_t>(x);
        }
        s.remove_prefix(n);
        if (e == 'x') {
          out += static_cast<char>(v);  // one raw byte, as Go does
          break;
        }
        if (v > static_cast<uint32_t>(kMaxRune)) return std::nullopt;
        AppendRune(out, static_cast<Rune>(v));
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        uint32_t v = static_cast<uint32_t>(e - '0');
        if (s.size() < 2) return std::nullopt;
        for (size_t j = 0; j < 2; ++j) {
          int x = s[j] - '0';
          if (x < 0 || x > 7) return std::nullopt;
          v = (v << 3) | static_cast<uint32_t>(x);
        }
        s.remove_prefix(2);
        if (v > 255) return std::nullopt;
        out += static_cast<char>(v);
        break;
      }
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
      case '|':
      case '/':
        if (e != quote) return std::nullopt;
        out += e;
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

// parser.go.
class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), scanner_(input) {}

  absl::StatusOr<std::vector<Filter::Selector>> Selectors() {
    std::vector<Filter::Selector> selectors;
    BERTH_ASSIGN_OR_RETURN(Filter::Selector first, ParseSelector());
    selectors.push_back(std::move(first));
    for (;;) {
      Rune next = scanner_.Peek();
      if (next == ',') {
        Token t = scanner_.Scan();
        if (t.kind != kTokenSeparator) return Err(t.pos, "expected a separator");
        BERTH_ASSIGN_OR_RETURN(Filter::Selector s, ParseSelector());
        selectors.push_back(std::move(s));
      } else if (next == kTokenEOF) {
        break;
      } else {
        std::string rune;
        AppendRune(rune, next);
        return Err(scanner_.ppos(), fmt::format("unexpected input: {}", rune));
      }
    }
    return selectors;
  }

 private:
  absl::StatusOr<Filter::Selector> ParseSelector() {
    Filter::Selector selector;
    BERTH_ASSIGN_OR_RETURN(selector.fieldpath, FieldPath());
    Rune next = scanner_.Peek();
    if (next == ',' || next == kTokenSeparator || next == kTokenEOF) {
      selector.op = Filter::Operator::kPresent;
      return selector;
    }
    BERTH_ASSIGN_OR_RETURN(selector.op, ParseOperator());
    bool matches = selector.op == Filter::Operator::kMatches;
    Token t = scanner_.Scan();
    BERTH_ASSIGN_OR_RETURN(selector.value, Value(t, /*allow_alt_quotes=*/matches));
    if (matches) {
      re2::RE2::Options options;
      options.set_log_errors(false);  // the error goes back to the caller instead
      auto regex = std::make_shared<const re2::RE2>(
          re2::StringPiece(selector.value.data(), selector.value.size()), options);
      if (!regex->ok()) {
        return Err(t.pos, fmt::format("invalid regular expression {:?}: {}", selector.value,
                                      regex->error()));
      }
      selector.regex = std::move(regex);
    }
    return selector;
  }

  absl::StatusOr<std::vector<std::string>> FieldPath() {
    std::vector<std::string> fields;
    BERTH_ASSIGN_OR_RETURN(std::string first, Field());
    fields.push_back(std::move(first));
    while (scanner_.Peek() == '.') {
      Token t = scanner_.Scan();
      if (t.kind != kTokenSeparator) return Err(t.pos, "expected a field separator (`.`)");
      BERTH_ASSIGN_OR_RETURN(std::string f, Field());
      fields.push_back(std::move(f));
    }
    return fields;
  }

  absl::StatusOr<std::string> Field() {
    Token t = scanner_.Scan();
    switch (t.kind) {
      case kTokenField:
        return std::string(t.text);
      case kTokenQuoted:
        return UnquoteAt(t.pos, t.text, /*allow_alt_quotes=*/false);
      case kTokenIllegal:
        return Err(t.pos, scanner_.err());
      default:
        return Err(t.pos, "expected field or quoted");
    }
  }

  absl::StatusOr<Filter::Operator> ParseOperator() {
    Token t = scanner_.Scan();
    switch (t.kind) {
      case kTokenOperator:
        if (t.text == "==") return Filter::Operator::kEqual;
        if (t.text == "!=") return Filter::Operator::kNotEqual;
        if (t.text == "~=") return Filter::Operator::kMatches;
        return Err(t.pos, fmt::format("unsupported operator {:?}", t.text));
      case kTokenIllegal:
        return Err(t.pos, scanner_.err());
      default:
        return Err(t.pos, R"(expected an operator ("=="|"!="|"~="))");
    }
  }

  absl::StatusOr<std::string> Value(const Token& t, bool allow_alt_quotes) {
    switch (t.kind) {
      case kTokenValue:
      case kTokenField:
        return std::string(t.text);
      case kTokenQuoted:
        return UnquoteAt(t.pos, t.text, allow_alt_quotes);
      case kTokenIllegal:
        return Err(t.pos, scanner_.err());
      default:
        return Err(t.pos, "expected value or quoted");
    }
  }

  absl::StatusOr<std::string> UnquoteAt(size_t pos, std::string_view text, bool allow_alt_quotes) {
    if (!allow_alt_quotes && text[0] != '\'' && text[0] != '"') {
      return Err(pos, "invalid quote encountered");
    }
    std::optional<std::string> unquoted = Unquote(text);
    if (!unquoted) return Err(pos, fmt::format("unquoting failed: {}", kQuoteSyntax));
    return *std::move(unquoted);
  }

  // parseError.Error(): the input with the byte at `pos` marked.
  absl::Status Err(size_t pos, std::string_view message) const {
    if (pos < input_.size()) {
      return InvalidArgumentf("filters: parse error: [{} >|{}|< {}]: {}", input_.substr(0, pos),
                              input_.substr(pos, 1), input_.substr(pos + 1), message);
    }
    return InvalidArgumentf("filters: parse error: [{}]: {}", input_, message);
  }

  std::string_view input_;
  Scanner scanner_;
};

bool MatchSelector(const Filter::Selector& s, const FilterAdaptor& object) {
  std::optional<std::string> value = object.Field(s.fieldpath);
  switch (s.op) {
    case Filter::Operator::kPresent:
      return value.has_value();
    case Filter::Operator::kEqual:
      return value.has_value() && *value == s.value;
    case Filter::Operator::kNotEqual:
      // An absent field reads as "" (containerd compares the zero value).
      return value.value_or("") != s.value;
    case Filter::Operator::kMatches: {
      if (s.regex == nullptr) return false;
      // An absent field is searched as "". Unanchored, as Go's MatchString.
      re2::StringPiece text;
      if (value) text = re2::StringPiece(value->data(), value->size());
      return re2::RE2::PartialMatch(text, *s.regex);
    }
  }
  return false;
}

}  // namespace

std::optional<std::string> MapField(std::span<const std::string> rest,
                                    const std::map<std::string, std::string>& map) {
  if (map.empty()) return std::nullopt;
  std::string key;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (i > 0) key += '.';
    key += rest[i];
  }
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

Filter Filter::Always() {
  Filter f;
  f.alternatives_.emplace_back();
  return f;
}

absl::StatusOr<Filter> Filter::Parse(std::string_view text) {
  if (text.empty()) return Always();
  Parser parser(text);
  BERTH_ASSIGN_OR_RETURN(std::vector<Selector> selectors, parser.Selectors());
  Filter f;
  f.alternatives_.push_back(std::move(selectors));
  return f;
}

absl::StatusOr<Filter> Filter::ParseAll(const std::vector<std::string>& texts) {
  if (texts.empty()) return Always();
  Filter all;
  for (const std::string& text : texts) {
    BERTH_ASSIGN_OR_RETURN(Filter f, Parse(text));
    for (auto& alternative : f.alternatives_) all.alternatives_.push_back(std::move(alternative));
  }
  return all;
}

bool Filter::Match(const FilterAdaptor& object) const {
  for (const std::vector<Selector>& selectors : alternatives_) {
    bool all = true;
    for (const Selector& s : selectors) {
      if (!MatchSelector(s, object)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace berth::containerd::metadata
