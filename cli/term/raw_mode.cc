#include "cli/term/raw_mode.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <utility>

#include "common/status.h"

namespace berth::cli::term {
namespace {

// The saved settings of the terminals made raw, by fd, for
// RestoreTerminalsForExit.
std::mutex g_mu;
std::map<int, struct termios>& Enabled() {
  static auto* enabled = new std::map<int, struct termios>;
  return *enabled;
}

}  // namespace

bool IsTerminal(int fd) {
  struct termios t {};
  return fd >= 0 && tcgetattr(fd, &t) == 0;
}

absl::StatusOr<RawTerminal> RawTerminal::Enable(int fd) {
  struct termios saved {};
  if (fd < 0 || tcgetattr(fd, &saved) != 0) {
    if (fd < 0 || errno == ENOTTY) {
      return FailedPreconditionf("make fd {} raw: not a terminal", fd);
    }
    return ErrnoErrorf(errno, "make fd {} raw: tcgetattr", fd);
  }
  struct termios raw = saved;
  raw.c_iflag &=
      ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    return ErrnoErrorf(errno, "make fd {} raw: tcsetattr", fd);
  }
  {
    std::lock_guard<std::mutex> lock(g_mu);
    Enabled().emplace(fd, saved);
  }
  return RawTerminal(fd, saved);
}

void RestoreTerminalsForExit() {
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& [fd, saved] : Enabled()) tcsetattr(fd, TCSANOW, &saved);
  Enabled().clear();
}

RawTerminal::RawTerminal(RawTerminal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), saved_(other.saved_) {}

RawTerminal& RawTerminal::operator=(RawTerminal&& other) noexcept {
  if (this != &other) {
    (void)Restore();
    fd_ = std::exchange(other.fd_, -1);
    saved_ = other.saved_;
  }
  return *this;
}

RawTerminal::~RawTerminal() { (void)Restore(); }

absl::Status RawTerminal::Restore() {
  int fd = std::exchange(fd_, -1);
  if (fd < 0) return absl::OkStatus();
  {
    std::lock_guard<std::mutex> lock(g_mu);
    Enabled().erase(fd);
  }
  if (tcsetattr(fd, TCSANOW, &saved_) != 0) {
    return ErrnoErrorf(errno, "restore terminal settings of fd {}", fd);
  }
  return absl::OkStatus();
}

}  // namespace berth::cli::term
