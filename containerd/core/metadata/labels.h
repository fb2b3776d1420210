// Label rules shared by every record kind (containerd pkg/labels).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace berth::containerd::metadata {

using Labels = std::map<std::string, std::string>;

// containerd's labels.Validate: key and value together at most 4096 bytes.
// `what` names the record in the error ("container.labels").
absl::Status ValidateLabels(const Labels& labels, std::string_view what);

// containerd stores no empty label values (boltutil writeMap drops them):
// setting a label to "" removes it.
void DropEmptyLabels(Labels& labels);

}  // namespace berth::containerd::metadata
