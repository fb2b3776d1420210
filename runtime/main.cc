#include <cstring>

#include "runtime/cli.h"
#include "runtime/process/self_clone.h"

namespace {

// Commands that put a process into a container must run from a sealed copy
// of this binary (CVE-2019-5736). Deciding that before parsing the command
// line saves parsing it twice; a false positive (an option value spelled
// like a command) only costs the copy.
bool MayEnterContainer(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "create") == 0 || std::strcmp(argv[i], "run") == 0 ||
        std::strcmp(argv[i], "exec") == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (MayEnterContainer(argc, argv)) {
    // Returns only when already sealed, or when sealing failed: the CLI then
    // reports the failure for the commands that need it.
    (void)berth::runtime::process::EnsureSealedSelf(argv);
  }
  return berth::runtime::RunCli(argc, argv);
}
