#include "cli/commands/image_util.h"

#include <unistd.h>

#include <cerrno>

#include "cli/config/config_file.h"
#include "cli/config/credentials.h"
#include "cli/config/registry_auth.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {

absl::StatusOr<std::string> RegistryAuthFor(Cli& cli, std::string_view registry) {
  BERTH_ASSIGN_OR_RETURN(config::ConfigFile file, config::ConfigFile::Load(cli.ConfigDir()));
  BERTH_ASSIGN_OR_RETURN(config::AuthConfig auth, config::GetCredentials(file, registry));
  return config::EncodeRegistryAuth(auth);
}

absl::Status DisplayJsonMessages(client::BodyStream& stream, std::FILE* out, bool quiet) {
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<nlohmann::json> m, stream.NextJson());
    if (!m) return absl::OkStatus();
    if (!m->is_object()) continue;
    if (m->contains("errorDetail") || m->contains("error")) {
      std::string message = m->value("error", "");
      if (auto d = m->find("errorDetail"); d != m->end() && d->is_object()) {
        message = d->value("message", message);
      }
      return absl::UnknownError(message);
    }
    if (quiet || m->contains("aux")) continue;
    std::string line;
    if (std::string id = m->value("id", ""); !id.empty()) line += id + ": ";
    if (m->contains("progressDetail") && m->value("progress", "") != "") continue;
    if (std::string stream_text = m->value("stream", ""); !stream_text.empty()) {
      std::fputs((line + stream_text).c_str(), out);
      continue;
    }
    std::fprintf(out, "%s%s\n", line.c_str(), m->value("status", "").c_str());
  }
}

client::BodyReader FdReader(int fd) {
  return [fd]() -> absl::StatusOr<std::string> {
    std::string buf(64 * 1024, '\0');
    for (;;) {
      ssize_t n = read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoErrorf(errno, "read input");
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
  };
}

nlohmann::json PlatformJson(std::string_view platform) {
  std::vector<std::string> parts = SplitToStrings(platform, '/');
  if (parts.empty() || parts.size() > 3) return nullptr;
  for (std::string& p : parts) {
    if (p.empty()) return nullptr;
    for (char& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  nlohmann::json out = {{"os", parts[0]}};
  if (parts.size() > 1) out["architecture"] = parts[1];
  if (parts.size() > 2) out["variant"] = parts[2];
  return out;
}

bool IsNameOnly(std::string_view text) {
  if (text.find('@') != std::string_view::npos) return false;
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  return colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash);
}

void PrintNote(std::FILE* out, std::string_view text) {
  constexpr std::string_view kHeader = " Info -> ";
  std::string s = "\n" + std::string(kHeader);
  bool first = true;
  for (std::string_view line : Split(text, '\n')) {
    if (!first) s += std::string(kHeader.size(), ' ');
    first = false;
    s += std::string(line) + "\n";
  }
  std::fputs(s.c_str(), out);
}

}  // namespace berth::cli
