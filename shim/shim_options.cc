#include "shim/shim_options.h"

#include <fmt/format.h>
// The low-level SHA-256 functions, deprecated in OpenSSL 3 in favour of EVP:
// SHA256() and EVP initialize the whole library (providers, name maps, error
// strings) for the one digest the shim needs, its socket name; these
// compute it directly (bench/RESULTS-shim-memory.md).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <unistd.h>

#include <cstdlib>

#include "common/file_util.h"
#include "common/strings.h"

namespace berth::shim {

std::string ResolveRuntime(const std::string& runtime) {
  if (runtime.find('/') != std::string::npos) return runtime;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    for (const std::string& candidate :
         {JoinPath(dir, runtime), JoinPath(dir + "/../runtime", runtime)}) {
      if (::access(candidate.c_str(), X_OK) == 0) return CleanPath(candidate);
    }
  }
  const char* path = std::getenv("PATH");
  for (std::string_view entry : Split(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin", ':', true)) {
    std::string candidate = JoinPath(std::string(entry), runtime);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return runtime;
}

std::string RuntimeRootFor(const ShimOptions& options) {
  return JoinPath(options.runtime_root, options.ns);
}

namespace {

std::string Hash(const ShimOptions& options) {
  std::string key = options.ns + "/" + options.id + "/" + options.bundle;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, key.data(), key.size());
  SHA256_Final(digest, &ctx);
  std::string hex;
  for (int i = 0; i < 12; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

std::string SocketPathFor(const ShimOptions& options) {
  return JoinPath(options.socket_dir, Hash(options) + ".sock");
}

std::string WorkDirFor(const ShimOptions& options) {
  return JoinPath(options.socket_dir, Hash(options) + ".d");
}

std::string AddressFile(const std::string& bundle) { return JoinPath(bundle, "address"); }
std::string ShimPidFile(const std::string& bundle) { return JoinPath(bundle, "shim.pid"); }
std::string ShimLogFile(const std::string& bundle) { return JoinPath(bundle, "shim.log"); }
std::string RuntimeLogFile(const std::string& bundle) { return JoinPath(bundle, "log.json"); }

}  // namespace berth::shim
