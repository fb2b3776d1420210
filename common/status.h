// Status helpers shared by every Berth program.
//
// Debian's Abseil (20220623) has absl::Status but not the return/assign
// macros, so they live here. Errors climb with context added at each level:
//   BERTH_RETURN_IF_ERROR(MountProc(root));        // "mount proc on /x/proc: ..."
//   return ErrnoErrorf(errno, "open {}", path);    // "open /x: No such file ..."
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth {

// An error built from an errno value: the code follows absl::ErrnoToStatusCode,
// the message is "<what>: <strerror>", and the errno rides along as a payload
// so callers can branch on it (ErrnoOf) without parsing text.
absl::Status ErrnoStatus(int errno_value, std::string_view what);

template <typename... Args>
absl::Status ErrnoErrorf(int errno_value, fmt::format_string<Args...> format, Args&&... args) {
  return ErrnoStatus(errno_value, fmt::format(format, std::forward<Args>(args)...));
}

// The errno carried by a status made with ErrnoStatus, if any.
std::optional<int> ErrnoOf(const absl::Status& status);

// Returns `status` with "<context>: " prepended to its message; code and
// payloads are kept. OK stays OK.
absl::Status WithContext(const absl::Status& status, std::string_view context);

template <typename... Args>
absl::Status Errorf(absl::StatusCode code, fmt::format_string<Args...> format, Args&&... args) {
  return absl::Status(code, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
absl::Status InvalidArgumentf(fmt::format_string<Args...> format, Args&&... args) {
  return Errorf(absl::StatusCode::kInvalidArgument, format, std::forward<Args>(args)...);
}

template <typename... Args>
absl::Status NotFoundf(fmt::format_string<Args...> format, Args&&... args) {
  return Errorf(absl::StatusCode::kNotFound, format, std::forward<Args>(args)...);
}

template <typename... Args>
absl::Status FailedPreconditionf(fmt::format_string<Args...> format, Args&&... args) {
  return Errorf(absl::StatusCode::kFailedPrecondition, format, std::forward<Args>(args)...);
}

template <typename... Args>
absl::Status AlreadyExistsf(fmt::format_string<Args...> format, Args&&... args) {
  return Errorf(absl::StatusCode::kAlreadyExists, format, std::forward<Args>(args)...);
}

template <typename... Args>
absl::Status Internalf(fmt::format_string<Args...> format, Args&&... args) {
  return Errorf(absl::StatusCode::kInternal, format, std::forward<Args>(args)...);
}

}  // namespace berth

#define BERTH_STATUS_CONCAT_INNER_(a, b) a##b
#define BERTH_STATUS_CONCAT_(a, b) BERTH_STATUS_CONCAT_INNER_(a, b)

#define BERTH_RETURN_IF_ERROR_IMPL_(var, expr) \
  do {                                         \
    ::absl::Status var = (expr);               \
    if (!var.ok()) return var;                 \
  } while (0)

#define BERTH_RETURN_IF_ERROR(expr) \
  BERTH_RETURN_IF_ERROR_IMPL_(BERTH_STATUS_CONCAT_(berth_status_, __COUNTER__), expr)

#define BERTH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

// BERTH_ASSIGN_OR_RETURN(auto fd, OpenDir(path));
#define BERTH_ASSIGN_OR_RETURN(lhs, rexpr) \
  BERTH_ASSIGN_OR_RETURN_IMPL_(BERTH_STATUS_CONCAT_(berth_statusor_, __COUNTER__), lhs, rexpr)

// fmt support so statuses can be formatted directly: fmt::format("{}", status).
template <>
struct fmt::formatter<absl::Status> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const absl::Status& status, Ctx& ctx) const {
    if (status.ok()) return fmt::formatter<std::string_view>::format("ok", ctx);
    absl::string_view m = status.message();
    return fmt::formatter<std::string_view>::format(std::string_view(m.data(), m.size()), ctx);
  }
};
