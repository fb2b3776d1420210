#include "cli/config/registry_auth.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "cli/config/base64.h"
#include "common/reference.h"

namespace berth::cli::config {

std::string EncodeRegistryAuth(const AuthConfig& auth) {
  // Go's encoding/json keeps struct order: username, password, serveraddress,
  // identitytoken.
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  auto add = [&doc](const char* key, const std::string& value) {
    if (!value.empty()) doc[key] = value;
  };
  add("username", auth.username);
  add("password", auth.password);
  add("serveraddress", auth.server_address);
  add("identitytoken", auth.identity_token);
  return Base64Encode(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      Base64Alphabet::kUrl);
}

std::string RegistryOfReference(std::string_view image_ref) {
  size_t slash = image_ref.find('/');
  if (slash == std::string_view::npos) return kDefaultDomain;
  std::string_view first = image_ref.substr(0, slash);
  bool has_upper = std::any_of(first.begin(), first.end(),
                               [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
  bool is_registry =
      first.find_first_of(".:") != std::string_view::npos || first == "localhost" || has_upper;
  if (!is_registry || first == "index.docker.io") return kDefaultDomain;
  return std::string(first);
}

}  // namespace berth::cli::config
