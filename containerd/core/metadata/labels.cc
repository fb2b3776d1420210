#include "containerd/core/metadata/labels.h"

#include "common/status.h"

namespace berth::containerd::metadata {

absl::Status ValidateLabels(const Labels& labels, std::string_view what) {
  constexpr size_t kMaxSize = 4096;
  constexpr size_t kKeyMaxLen = 64;  // of the key, in the error message
  for (const auto& [key, value] : labels) {
    size_t total = key.size() + value.size();
    if (total > kMaxSize) {
      return InvalidArgumentf(
          "{}: label key and value length ({} bytes) greater than maximum size ({} bytes), key: {}",
          what, total, kMaxSize, std::string_view(key).substr(0, kKeyMaxLen));
    }
  }
  return absl::OkStatus();
}

void DropEmptyLabels(Labels& labels) {
  std::erase_if(labels, [](const auto& entry) { return entry.second.empty(); });
}

}  // namespace berth::containerd::metadata
