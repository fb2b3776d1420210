#include "cli/term/detach_keys.h"

#include <array>

#include "common/status.h"
#include "common/strings.h"

namespace berth::cli::term {
namespace {

// Index = the control code (moby/term's ASCII table).
constexpr std::array<std::string_view, 32> kControlKeys = {
    "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d",  "ctrl-e", "ctrl-f", "ctrl-g",
    "ctrl-h", "ctrl-i", "ctrl-j", "ctrl-k", "ctrl-l",  "ctrl-m", "ctrl-n", "ctrl-o",
    "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t",  "ctrl-u", "ctrl-v", "ctrl-w",
    "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_",
};

}  // namespace

absl::StatusOr<std::string> ParseDetachKeys(std::string_view keys) {
  if (keys.empty()) keys = kDefaultDetachKeys;
  std::string bytes;
  for (std::string_view key : Split(keys, ',')) {
    if (key.size() == 1) {
      bytes.push_back(key[0]);
      continue;
    }
    bool found = false;
    for (size_t code = 0; code < kControlKeys.size(); ++code) {
      if (kControlKeys[code] == key) {
        bytes.push_back(static_cast<char>(code));
        found = true;
        break;
      }
    }
    if (!found && key == "DEL") {
      bytes.push_back('\x7f');
      found = true;
    }
    if (!found) {
      return InvalidArgumentf("invalid detach keys ({}): unknown character: '{}'", keys, key);
    }
  }
  return bytes;
}

DetachScanner::Result DetachScanner::Scan(std::string_view input) {
  Result result;
  if (sequence_.empty()) {
    result.forward.assign(input);
    return result;
  }
  if (detached()) {
    result.detached = true;
    return result;
  }
  for (char c : input) {
    if (c == sequence_[matched_]) {
      if (++matched_ == sequence_.size()) {
        result.detached = true;
        return result;
      }
      continue;
    }
    // Not the sequence after all: release what was held, then this byte.
    result.forward.append(sequence_, 0, matched_);
    result.forward.push_back(c);
    matched_ = 0;
  }
  return result;
}

}  // namespace berth::cli::term
