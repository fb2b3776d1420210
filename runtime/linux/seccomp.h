// Seccomp filters from linux.seccomp, built with libseccomp the way runc
// builds them (libcontainer/seccomp/seccomp_linux.go), so a profile behaves
// the same under berth-runtime, runc and crun.
//
//   BERTH_RETURN_IF_ERROR(ValidateSeccomp(s));           // at create, no kernel needed
//   BERTH_ASSIGN_OR_RETURN(SeccompFilter f, BuildSeccompFilter(s));
//   BERTH_ASSIGN_OR_RETURN(UniqueFd notify_fd, LoadSeccompFilter(f));  // in the container
//   if (notify_fd) -> SendSeccompListenerFd (seccomp_listener.h)
//
// libseccomp's no_new_privs attribute is off: the runtime sets no_new_privs
// itself when the spec asks for it. Without no_new_privs, loading needs
// CAP_SYS_ADMIN, so load before dropping capabilities in that case.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "common/unique_fd.h"
#include "runtime/spec/spec.h"

namespace berth::runtime::linux {

// Checks linux.seccomp without touching the kernel or libseccomp: actions,
// operators, architectures, flags, argument indexes, errnoRet only with
// SCMP_ACT_ERRNO / SCMP_ACT_TRACE, SCMP_ACT_NOTIFY rules (an absolute
// listenerPath, not the default action, not for "write"), listenerMetadata
// only with listenerPath. Errors name the JSON path:
//   linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"
absl::Status ValidateSeccomp(const spec::Seccomp& s);

// True when some rule uses SCMP_ACT_NOTIFY (the runtime then has to hand the
// listener fd to listenerPath).
bool UsesNotify(const spec::Seccomp& s);

// A libseccomp filter context. Move-only; released on destruction.
class SeccompFilter {
 public:
  SeccompFilter() = default;
  SeccompFilter(SeccompFilter&&) noexcept = default;
  SeccompFilter& operator=(SeccompFilter&&) noexcept = default;
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  ~SeccompFilter() = default;

  // The scmp_filter_ctx (void*), or nullptr for an empty object.
  void* ctx() const { return ctx_.get(); }
  bool ok() const { return ctx_ != nullptr; }
  // Whether some rule returns SCMP_ACT_NOTIFY, so loading creates a listener.
  bool uses_notify() const { return uses_notify_; }

  // The filter as libseccomp's human-readable pseudo filter code.
  absl::StatusOr<std::string> ExportPfc() const;
  // The filter as the BPF program seccomp(2) loads (struct sock_filter[]).
  absl::StatusOr<std::string> ExportBpf() const;

 private:
  friend absl::StatusOr<SeccompFilter> BuildSeccompFilter(const spec::Seccomp& s);
  struct Release {
    void operator()(void* ctx) const;
  };
  SeccompFilter(void* ctx, bool uses_notify) : ctx_(ctx), uses_notify_(uses_notify) {}

  std::unique_ptr<void, Release> ctx_;
  bool uses_notify_ = false;
};

// Validates `s` and builds its filter, as runc does:
// - the default action with defaultErrnoRet (EPERM when absent);
// - the native architecture plus `architectures`;
// - flags: SECCOMP_FILTER_FLAG_LOG and _SPEC_ALLOW as filter attributes,
//   _TSYNC accepted and ignored (the runtime is single-threaded),
//   _WAIT_KILLABLE_RECV only with libseccomp >= 2.6 (else FailedPrecondition);
// - one rule per syscall name with errnoRet (EPERM when absent) for
//   SCMP_ACT_ERRNO and SCMP_ACT_TRACE; a rule whose action equals the default
//   action is skipped, an unknown syscall name is skipped with a debug log;
// - arguments: when no two conditions name the same argument index they are
//   ANDed in one rule; otherwise each condition becomes a rule of its own
//   (ORed), runc's "old behaviour";
// - binary tree optimization for more than 32 rules, when available.
absl::StatusOr<SeccompFilter> BuildSeccompFilter(const spec::Seccomp& s);

// Loads the filter into the calling thread (seccomp_load). When the filter
// uses SCMP_ACT_NOTIFY, returns the listener fd (close-on-exec); otherwise an
// empty UniqueFd. Irreversible: call it in the container process only.
absl::StatusOr<UniqueFd> LoadSeccompFilter(SeccompFilter& f);

// The `linux.seccomp` member of `berth-runtime features`: enabled, actions,
// operators, archs, knownFlags, and supportedFlags (the known flags this
// libseccomp can set and this kernel accepts).
json::Json SeccompFeatures();

// The names ValidateSeccomp accepts, sorted (for features and tests).
std::vector<std::string> KnownSeccompActions();
std::vector<std::string> KnownSeccompOperators();
std::vector<std::string> KnownSeccompArchitectures();
std::vector<std::string> KnownSeccompFlags();
// The known flags that BuildSeccompFilter can apply on this machine.
std::vector<std::string> SupportedSeccompFlags();
// "2.5.4": the libseccomp in use (runc's features annotation
// io.github.seccomp.libseccomp.version).
std::string LibseccompVersion();

}  // namespace berth::runtime::linux
