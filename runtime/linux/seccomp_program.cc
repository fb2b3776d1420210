#include "runtime/linux/seccomp_program.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/status.h"
#include "runtime/linux/seccomp.h"

namespace berth::runtime::linux {
namespace {

constexpr char kActNotify[] = "SCMP_ACT_NOTIFY";

bool HasFlag(const spec::Seccomp& s, std::string_view flag) {
  return std::find(s.flags.begin(), s.flags.end(), flag) != s.flags.end();
}

}  // namespace

bool CanPrecompile(const spec::Seccomp& s) {
  if (HasFlag(s, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) return false;
  // Any notify rule, even one BuildSeccompFilter would skip: libseccomp
  // decides then whether the load asks for a listener.
  return std::none_of(s.syscalls.begin(), s.syscalls.end(),
                      [](const spec::SeccompSyscall& call) { return call.action == kActNotify; });
}

unsigned int SeccompLoadFlags(const spec::Seccomp& s) {
  unsigned int flags = 0;
  if (HasFlag(s, "SECCOMP_FILTER_FLAG_LOG")) flags |= SECCOMP_FILTER_FLAG_LOG;
  if (HasFlag(s, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  return flags;
}

absl::StatusOr<std::vector<sock_filter>> InstructionsFromBytes(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    return InvalidArgumentf("seccomp program of {} bytes is not a whole number of instructions",
                            bytes.size());
  }
  size_t count = bytes.size() / sizeof(sock_filter);
  if (count > BPF_MAXINSNS) {
    return InvalidArgumentf("seccomp program of {} instructions is longer than the kernel's {}",
                            count, BPF_MAXINSNS);
  }
  std::vector<sock_filter> instructions(count);
  std::memcpy(instructions.data(), bytes.data(), bytes.size());
  return instructions;
}

absl::StatusOr<SeccompProgram> CompileSeccompProgram(const spec::Seccomp& s) {
  if (!CanPrecompile(s)) {
    return FailedPreconditionf("seccomp: a filter with {} rules is loaded through libseccomp",
                               kActNotify);
  }
  BERTH_ASSIGN_OR_RETURN(SeccompFilter filter, BuildSeccompFilter(s));
  BERTH_ASSIGN_OR_RETURN(std::string bytes, filter.ExportBpf());
  SeccompProgram program;
  BERTH_ASSIGN_OR_RETURN(program.instructions, InstructionsFromBytes(bytes));
  program.flags = SeccompLoadFlags(s);
  return program;
}

absl::Status LoadSeccompProgram(const SeccompProgram& p) {
  if (p.instructions.empty() || p.instructions.size() > BPF_MAXINSNS) {
    return InvalidArgumentf("seccomp: load of a program of {} instructions", p.instructions.size());
  }
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(p.instructions.size());
  prog.filter = const_cast<sock_filter*>(p.instructions.data());
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p.flags, &prog);
  if (rc < 0 && errno == ENOSYS && p.flags == 0) {
    // Before seccomp(2) (Linux 3.17), as libseccomp falls back.
    rc = ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  }
  if (rc < 0) {
    if (errno == EACCES) {
      return ErrnoErrorf(errno,
                         "load seccomp filter (no_new_privs is not set and CAP_SYS_ADMIN "
                         "is not in the effective set)");
    }
    return ErrnoErrorf(errno, "load seccomp filter");
  }
  return absl::OkStatus();
}

}  // namespace berth::runtime::linux
