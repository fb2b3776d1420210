#include "containerd/core/registry/auth.h"

#include <openssl/evp.h>

#include <cctype>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::containerd::registry {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  void SkipSpace() {
    while (!Done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  std::string Token() {
    SkipSpace();
    size_t start = i_;
    while (!Done() && IsTokenChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  // A quoted-string (with backslash escapes) or a token.
  std::string Value() {
    SkipSpace();
    if (Peek() != '"') return Token();
    ++i_;
    std::string out;
    while (!Done() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    if (!Done()) ++i_;
    return out;
  }
  size_t pos() const { return i_; }
  void set_pos(size_t p) { i_ = p; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::vector<Challenge> ParseWwwAuthenticate(std::string_view header) {
  std::vector<Challenge> out;
  Scanner s(header);
  while (!s.Done()) {
    std::string scheme = s.Token();
    if (scheme.empty()) {
      // Junk: skip to the next comma.
      while (!s.Done() && s.Peek() != ',') s.set_pos(s.pos() + 1);
      s.Consume(',');
      continue;
    }
    Challenge c;
    c.scheme = Lower(scheme);
    // auth-params: key=value pairs separated by commas, until a token not
    // followed by '=' (the next challenge's scheme).
    while (true) {
      s.SkipSpace();
      size_t save = s.pos();
      std::string key = s.Token();
      if (key.empty()) {
        if (!s.Consume(',')) break;
        continue;
      }
      if (!s.Consume('=')) {
        s.set_pos(save);
        break;
      }
      c.params[Lower(key)] = s.Value();
      s.SkipSpace();
      if (!s.Consume(',')) break;
    }
    out.push_back(std::move(c));
    if (!s.Done() && s.Peek() != ' ' && !IsTokenChar(s.Peek())) s.set_pos(s.pos() + 1);
  }
  return out;
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  std::string in(TrimSpace(text));
  while (in.size() % 4 != 0) in += '=';  // unpadded input is common
  std::string out(3 * in.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return InvalidArgumentf("invalid base64");
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - std::min<size_t>(pad, 2));
  return out;
}

absl::StatusOr<std::optional<Credentials>> LookupCredentialsIn(std::string_view config_json,
                                                               std::string_view host) {
  BERTH_ASSIGN_OR_RETURN(json::Json doc, json::Parse(config_json, "config.json"));
  json::View root(doc, "config.json");
  BERTH_RETURN_IF_ERROR(root.ExpectObject());
  std::optional<json::View> auths = root.Member("auths");
  if (!auths) return std::optional<Credentials>();
  BERTH_RETURN_IF_ERROR(auths->ExpectObject());
  std::string h(host);
  std::vector<std::string> keys = {h, "https://" + h, "http://" + h, "https://" + h + "/v1/",
                                   "https://" + h + "/v2/"};
  if (h == "docker.io" || h == "registry-1.docker.io" || h == "index.docker.io") {
    keys.insert(keys.begin(), {"https://index.docker.io/v1/", "docker.io", "index.docker.io",
                               "registry-1.docker.io"});
  }
  for (const std::string& key : keys) {
    std::optional<json::View> entry = auths->Member(key);
    if (!entry) continue;
    BERTH_RETURN_IF_ERROR(entry->ExpectObject());
    Credentials c;
    std::string auth;
    BERTH_RETURN_IF_ERROR(entry->Get("auth", &auth));
    BERTH_RETURN_IF_ERROR(entry->Get("username", &c.username));
    BERTH_RETURN_IF_ERROR(entry->Get("password", &c.password));
    if (!auth.empty()) {
      absl::StatusOr<std::string> decoded = Base64Decode(auth);
      if (!decoded.ok()) return InvalidArgumentf("{}.auth: invalid base64", entry->path());
      auto [user, pass] = SplitOnce(*decoded, ':');
      if (!pass) return InvalidArgumentf("{}.auth: not \"user:password\"", entry->path());
      c.username = std::string(user);
      c.password = std::string(*pass);
    }
    if (c.username.empty() && c.password.empty()) continue;
    return std::optional<Credentials>(c);
  }
  return std::optional<Credentials>();
}

absl::StatusOr<std::optional<Credentials>> LookupCredentials(const std::string& config_path,
                                                             std::string_view host) {
  absl::StatusOr<std::string> text = ReadFile(config_path);
  if (!text.ok()) return WithContext(text.status(), "read registry credentials");
  return LookupCredentialsIn(*text, host);
}

}  // namespace berth::containerd::registry
