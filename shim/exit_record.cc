#include "shim/exit_record.h"

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/status.h"

namespace berth::shim {

std::string ExitRecordPath(const std::string& bundle) { return JoinPath(bundle, "exit.json"); }

absl::Status WriteExitRecord(const std::string& bundle, const ExitRecord& record) {
  int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(record.exited_at.time_since_epoch())
          .count();
  nlohmann::json j = {
      {"pid", record.pid}, {"exit_status", record.exit_status}, {"exited_at_unix_nano", nanos}};
  return WriteFileAtomic(ExitRecordPath(bundle), j.dump() + "\n", 0644, Durability::kDurable);
}

absl::StatusOr<ExitRecord> ReadExitRecord(const std::string& bundle) {
  std::string path = ExitRecordPath(bundle);
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j["pid"].is_number_unsigned() ||
      !j["exit_status"].is_number_unsigned() || !j["exited_at_unix_nano"].is_number_integer()) {
    return Internalf("exit record {}: not a valid record", path);
  }
  ExitRecord record;
  record.pid = j["pid"].get<uint32_t>();
  record.exit_status = j["exit_status"].get<uint32_t>();
  record.exited_at = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::nanoseconds(j["exited_at_unix_nano"].get<int64_t>())));
  return record;
}

}  // namespace berth::shim
