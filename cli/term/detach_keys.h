// The detach key sequence (--detach-keys, "detachKeys" in config.json) and
// the scanner that spots it in TTY input, as moby/term ToBytes and its
// escapeProxy do.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace berth::cli::term {

inline constexpr std::string_view kDefaultDetachKeys = "ctrl-p,ctrl-q";

// "ctrl-p,ctrl-q" -> "\x10\x11". Comma-separated keys, each "ctrl-a".."ctrl-z",
// "ctrl-@", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_", "DEL" or one
// character. An empty `keys` means the default, as in docker. Otherwise
// InvalidArgument: "invalid detach keys (ctrl-p,x1): unknown character: 'x1'".
absl::StatusOr<std::string> ParseDetachKeys(std::string_view keys);

// Watches input for the detach sequence. Bytes that could start it are held
// back; if the next byte breaks the sequence they are released, followed by
// that byte (which, as in moby/term, does not start a new match). Bytes after
// a completed sequence are dropped.
class DetachScanner {
 public:
  // `sequence` as ParseDetachKeys returns it; empty never detaches.
  explicit DetachScanner(std::string sequence) : sequence_(std::move(sequence)) {}

  struct Result {
    std::string forward;    // send these to the container now
    bool detached = false;  // the whole sequence has been typed
  };
  Result Scan(std::string_view input);

  bool detached() const { return !sequence_.empty() && matched_ == sequence_.size(); }
  // Bytes held back as a possible start of the sequence.
  size_t held() const { return detached() ? 0 : matched_; }

 private:
  std::string sequence_;
  size_t matched_ = 0;
};

}  // namespace berth::cli::term
