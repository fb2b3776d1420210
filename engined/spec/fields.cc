#include "engined/spec/fields.h"

#include "common/status.h"

namespace berth::engined::spec {

const Json* Field(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<std::string> GetString(const Json& object, std::string_view key,
                                      std::string_view path) {
  const Json* v = Field(object, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return InvalidArgumentf("{}.{}: expected a string", path, key);
  return v->get<std::string>();
}

absl::StatusOr<std::optional<int64_t>> GetOptionalInt(const Json& object, std::string_view key,
                                                      std::string_view path) {
  const Json* v = Field(object, key);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  // Clients built with JavaScript send whole numbers as floats.
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
  }
  return InvalidArgumentf("{}.{}: expected an integer", path, key);
}

absl::StatusOr<int64_t> GetInt(const Json& object, std::string_view key, std::string_view path) {
  BERTH_ASSIGN_OR_RETURN(std::optional<int64_t> v, GetOptionalInt(object, key, path));
  return v.value_or(0);
}

absl::StatusOr<bool> GetBool(const Json& object, std::string_view key, std::string_view path) {
  const Json* v = Field(object, key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) return InvalidArgumentf("{}.{}: expected a boolean", path, key);
  return v->get<bool>();
}

absl::StatusOr<std::vector<std::string>> GetStrings(const Json& object, std::string_view key,
                                                    std::string_view path) {
  std::vector<std::string> out;
  const Json* v = Field(object, key);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) return InvalidArgumentf("{}.{}: expected a list of strings", path, key);
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (!e.is_string()) return InvalidArgumentf("{}.{}[{}]: expected a string", path, key, i);
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace berth::engined::spec
