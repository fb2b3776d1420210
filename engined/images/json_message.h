// docker's streamed JSON messages (pkg/jsonmessage, pkg/streamformatter):
// status lines with an id, byte progress with the bar string docker's
// server computes, errors inside a stream, and "stream"/"aux" messages.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/human_units.h"  // HumanSize, which ProgressBar uses

namespace berth::engined::images {

// Receives each message of a streamed answer; false: the client went away.
using MessageSink = std::function<bool(const nlohmann::json&)>;

// JSONProgress.String() at docker's server width (200 columns): a 50-wide
// bar and "current/total" ("[=====>     ]  1.2MB/2.4MB"); no bar without
// a total; "" when there is nothing to show.
std::string ProgressBar(int64_t current, int64_t total);

// {"status": status, "id": id} (id omitted when empty).
nlohmann::json StatusMessage(std::string_view status, std::string_view id = "");
// A layer's status without byte counts ("Pulling fs layer", "Pull
// complete", "Pushed"): {"status", "id", "progressDetail": {}}, as moby's
// progress.Update writes it. The empty progressDetail is what makes the
// docker CLI keep the layer on its own line and redraw it on a terminal.
nlohmann::json LayerMessage(std::string_view status, std::string_view id);
// A status with progressDetail {current, total} and the bar.
nlohmann::json ProgressMessage(std::string_view status, std::string_view id, int64_t current,
                               int64_t total);
// {"errorDetail": {"message": m}, "error": m}.
nlohmann::json ErrorMessage(const absl::Status& status);
// {"stream": text}
nlohmann::json StreamMessage(std::string_view text);

// The 12-hex short form docker shows for layers and ids ("sha256:" dropped).
std::string ShortId(std::string_view digest);

}  // namespace berth::engined::images
