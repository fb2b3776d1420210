#include "runtime/cgroups/resource_util.h"

#include <algorithm>
#include <cctype>

#include "common/status.h"
#include "common/strings.h"

namespace berth::runtime::cgroups {

absl::Status ValidateHugepageSize(const std::string& page_size,
                                  const std::vector<std::string>& host_sizes) {
  size_t digits = 0;
  while (digits < page_size.size() && std::isdigit(static_cast<unsigned char>(page_size[digits]))) {
    ++digits;
  }
  std::string_view unit = std::string_view(page_size).substr(digits);
  if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB" && unit != "TB")) {
    return InvalidArgumentf(
        "linux.resources.hugepageLimits: page size \"{}\" is not a number followed by KB, MB or GB "
        "(e.g. \"2MB\")",
        page_size);
  }
  if (!host_sizes.empty() && !Contains(host_sizes, page_size)) {
    return InvalidArgumentf(
        "linux.resources.hugepageLimits: page size \"{}\" is not supported by this host "
        "(supported: {})",
        page_size, Join(host_sizes, ", "));
  }
  return absl::OkStatus();
}

std::string RdmaMaxLine(const std::string& device, const spec::Rdma& rdma) {
  if (!rdma.hca_handles && !rdma.hca_objects) return "";
  std::string line = device;
  if (rdma.hca_handles) line += fmt::format(" hca_handle={}", *rdma.hca_handles);
  if (rdma.hca_objects) line += fmt::format(" hca_object={}", *rdma.hca_objects);
  return line;
}

absl::Status CheckLimit(std::optional<int64_t> value, std::string_view what) {
  if (value && *value < -1) {
    return InvalidArgumentf("{}: {} is invalid (use -1 for unlimited)", what, *value);
  }
  return absl::OkStatus();
}

std::optional<int64_t> NonZero(std::optional<int64_t> value) {
  if (value && *value == 0) return std::nullopt;
  return value;
}

std::optional<uint64_t> NonZero(std::optional<uint64_t> value) {
  if (value && *value == 0) return std::nullopt;
  return value;
}

bool Contains(const std::vector<std::string>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

std::string ControllerOfFile(std::string_view file) {
  return std::string(SplitOnce(file, '.').first);
}

}  // namespace berth::runtime::cgroups
