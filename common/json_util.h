// JSON parsing that never throws and names the JSON path in every error:
//   linux.namespaces[2].type: expected a string, got number
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace berth::json {

using Json = nlohmann::json;

// Parses `text`; `what` names the document in the error ("config.json").
absl::StatusOr<Json> Parse(std::string_view text, std::string_view what);

// Serializes without throwing: invalid UTF-8 is replaced, not fatal.
std::string Dump(const Json& j, int indent = -1);

// A read-only cursor into a parsed document that remembers its path.
class View {
 public:
  View(const Json& j, std::string path) : j_(&j), path_(std::move(path)) {}

  const Json& json() const { return *j_; }
  const std::string& path() const { return path_; }
  bool IsNull() const { return j_->is_null(); }

  absl::Status ExpectObject() const;
  absl::Status ExpectArray() const;

  // The member `key`, or nullopt when it is absent or null.
  std::optional<View> Member(std::string_view key) const;
  // Element i of an array (caller checks bounds via Size()).
  View At(size_t i) const;
  size_t Size() const { return j_->is_array() || j_->is_object() ? j_->size() : 0; }
  std::vector<std::string> Keys() const;

  // Converts this value, or fails naming the path and the type found.
  absl::Status To(std::string* out) const;
  absl::Status To(bool* out) const;
  absl::Status To(int64_t* out) const;
  absl::Status To(uint64_t* out) const;
  absl::Status To(int32_t* out) const;
  absl::Status To(uint32_t* out) const;
  absl::Status To(uint16_t* out) const;
  absl::Status To(std::vector<std::string>* out) const;
  absl::Status To(std::map<std::string, std::string>* out) const;

  // Optional member: leaves *out untouched when the key is absent or null.
  template <typename T>
  absl::Status Get(std::string_view key, T* out) const {
    std::optional<View> m = Member(key);
    if (!m) return absl::OkStatus();
    return m->To(out);
  }
  template <typename T>
  absl::Status Get(std::string_view key, std::optional<T>* out) const {
    std::optional<View> m = Member(key);
    if (!m) return absl::OkStatus();
    T value{};
    absl::Status s = m->To(&value);
    if (s.ok()) *out = std::move(value);
    return s;
  }
  // Required member: absent or null is an error naming the path.
  template <typename T>
  absl::Status Require(std::string_view key, T* out) const {
    std::optional<View> m = Member(key);
    if (!m) return Missing(key);
    return m->To(out);
  }

  absl::Status Error(std::string_view message) const;
  absl::Status Missing(std::string_view key) const;

 private:
  absl::Status TypeError(std::string_view expected) const;
  template <typename T>
  absl::Status ToInteger(T* out) const;

  const Json* j_;
  std::string path_;
};

}  // namespace berth::json
