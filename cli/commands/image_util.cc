#include "cli/commands/image_util.h"

#include <unistd.h>

#include <cerrno>
#include <memory>

#include "cli/config/config_file.h"
#include "cli/config/credentials.h"
#include "cli/config/registry_auth.h"
#include "cli/output/progress.h"
#include "common/status.h"
#include "common/strings.h"

namespace berth::cli {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using UniqueFile = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

absl::StatusOr<config::ConfigFile> LoadConfig(Cli& cli) {
  BERTH_ASSIGN_OR_RETURN(std::string dir, cli.ConfigDir());
  return config::ConfigFile::Load(dir);
}

absl::StatusOr<std::string> RegistryAuthFor(Cli& cli, std::string_view registry) {
  BERTH_ASSIGN_OR_RETURN(config::ConfigFile file, LoadConfig(cli));
  BERTH_ASSIGN_OR_RETURN(config::AuthConfig auth, config::GetCredentials(file, registry));
  return config::EncodeRegistryAuth(auth);
}

absl::Status DisplayJsonMessages(client::BodyStream& stream, std::FILE* out, bool quiet) {
  // Quiet still reads the whole stream: its errors count.
  std::FILE* sink = out;
  UniqueFile discard;
  if (quiet) {
    discard.reset(std::fopen("/dev/null", "we"));
    if (discard == nullptr) return ErrnoErrorf(errno, "open /dev/null");
    sink = discard.get();
  }
  output::ProgressPrinter printer(sink, !quiet && isatty(fileno(out)) == 1);
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<nlohmann::json> m, stream.NextJson());
    if (!m) return absl::OkStatus();
    BERTH_RETURN_IF_ERROR(printer.Add(*m));
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
