#include "engined/images/registry_auth.h"

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "common/strings.h"

namespace berth::engined::images {

absl::StatusOr<std::string> DecodeBase64Any(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r') continue;
    int v = value(c);
    if (v < 0) return InvalidArgumentf("invalid base64 character '{}'", c);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

absl::StatusOr<std::optional<ctrpb::RegistryAuth>> DecodeRegistryAuth(std::string_view header) {
  if (header.empty()) return std::optional<ctrpb::RegistryAuth>();
  absl::StatusOr<std::string> text = DecodeBase64Any(header);
  if (!text.ok()) return InvalidArgumentf("X-Registry-Auth: {}", ToStd(text.status().message()));
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return InvalidArgumentf("X-Registry-Auth: not a JSON object");
  auto field = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ctrpb::RegistryAuth auth;
  auth.set_username(field("username"));
  auth.set_password(field("password"));
  auth.set_identity_token(field("identitytoken"));
  auth.set_server_address(field("serveraddress"));
  if (auth.username().empty() && auth.password().empty() && auth.identity_token().empty()) {
    return std::optional<ctrpb::RegistryAuth>();
  }
  return std::optional<ctrpb::RegistryAuth>(auth);
}

}  // namespace berth::engined::images
