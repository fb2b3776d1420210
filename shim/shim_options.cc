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
#include "common/spawn.h"
#include "common/strings.h"

namespace berth::shim {

std::string ResolveRuntime(const std::string& runtime) {
  return FindCompanionProgram(runtime, "runtime");
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
