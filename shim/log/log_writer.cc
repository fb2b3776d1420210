#include "shim/log/log_writer.h"

#include <utility>

#include "common/status.h"
#include "shim/log/cri_log_writer.h"
#include "shim/log/json_file_writer.h"
#include "shim/log/log_file.h"

namespace berth::shim::logs {
namespace {

constexpr std::string_view kJsonFile = "json-file";
constexpr std::string_view kCri = "cri";

// For containers whose output goes nowhere: the shim still drains the pipes.
class DiscardWriter final : public LogWriter {
 public:
  absl::Status Write(Stream, std::string_view, LogTime) override { return absl::OkStatus(); }
  absl::Status CloseStream(Stream, LogTime) override { return absl::OkStatus(); }
  absl::Status Reopen() override { return absl::OkStatus(); }
};

absl::Status Validate(const LogConfig& config) {
  if (config.format != kJsonFile && config.format != kCri && !config.format.empty()) {
    return InvalidArgumentf("unknown log format {:?} (want {:?} or {:?})", config.format, kJsonFile,
                            kCri);
  }
  if (config.format.empty()) {
    if (!config.path.empty()) {
      return InvalidArgumentf("log path {:?} given without a log format", config.path);
    }
    return absl::OkStatus();
  }
  if (config.path.empty()) return InvalidArgumentf("{} log: empty path", config.format);
  if (config.path[0] != '/') {
    return InvalidArgumentf("{} log: path {:?} is not absolute", config.format, config.path);
  }
  if (config.max_size < 0) {
    return InvalidArgumentf("{} log: max-size {} is negative", config.format, config.max_size);
  }
  if (config.max_file < 1) {
    return InvalidArgumentf("{} log: max-file {} is less than 1", config.format, config.max_file);
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view StreamName(Stream stream) {
  return stream == Stream::kStdout ? "stdout" : "stderr";
}

absl::StatusOr<std::unique_ptr<LogWriter>> OpenLogWriter(const LogConfig& config) {
  BERTH_RETURN_IF_ERROR(Validate(config));
  LogFile::Limits limits{config.max_size, config.max_file};
  if (config.format == kJsonFile) {
    BERTH_ASSIGN_OR_RETURN(auto writer, JsonFileWriter::Open(config.path, limits));
    return std::unique_ptr<LogWriter>(std::move(writer));
  }
  if (config.format == kCri) {
    BERTH_ASSIGN_OR_RETURN(auto writer, CriLogWriter::Open(config.path, limits));
    return std::unique_ptr<LogWriter>(std::move(writer));
  }
  return std::unique_ptr<LogWriter>(std::make_unique<DiscardWriter>());
}

}  // namespace berth::shim::logs
