#include "common/json_util.h"

#include <limits>

#include "common/status.h"

namespace berth::json {

namespace {

// Records why parsing failed. nlohmann reports the position only through an
// exception or a SAX handler; the handler path never throws.
class ErrorRecorder : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    message = ex.what();
    // Drop the "[json.exception.parse_error.101] " prefix.
    if (size_t end = message.find("] "); message.starts_with("[json.") && end != std::string::npos) {
      message.erase(0, end + 2);
    }
    return false;
  }
  std::string message = "invalid JSON";
};

}  // namespace

absl::StatusOr<Json> Parse(std::string_view text, std::string_view what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  ErrorRecorder recorder;
  Json::sax_parse(text.begin(), text.end(), &recorder);
  return InvalidArgumentf("{}: {}", what, recorder.message);
}

std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

absl::Status View::Error(std::string_view message) const {
  return InvalidArgumentf("{}: {}", path_.empty() ? "(root)" : path_, message);
}

absl::Status View::Missing(std::string_view key) const {
  std::string child = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  return InvalidArgumentf("{}: required but missing", child);
}

absl::Status View::TypeError(std::string_view expected) const {
  return Error(fmt::format("expected {}, got {}", expected, j_->type_name()));
}

absl::Status View::ExpectObject() const {
  return j_->is_object() ? absl::OkStatus() : TypeError("an object");
}

absl::Status View::ExpectArray() const {
  return j_->is_array() ? absl::OkStatus() : TypeError("an array");
}

std::optional<View> View::Member(std::string_view key) const {
  if (!j_->is_object()) return std::nullopt;
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return std::nullopt;
  return View(*it, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

View View::At(size_t i) const { return View((*j_)[i], fmt::format("{}[{}]", path_, i)); }

std::vector<std::string> View::Keys() const {
  std::vector<std::string> keys;
  if (j_->is_object()) {
    for (auto it = j_->begin(); it != j_->end(); ++it) keys.push_back(it.key());
  }
  return keys;
}

absl::Status View::To(std::string* out) const {
  if (!j_->is_string()) return TypeError("a string");
  *out = j_->get_ref<const std::string&>();
  return absl::OkStatus();
}

absl::Status View::To(bool* out) const {
  if (!j_->is_boolean()) return TypeError("a boolean");
  *out = j_->get<bool>();
  return absl::OkStatus();
}

template <typename T>
absl::Status View::ToInteger(T* out) const {
  if (j_->is_number_unsigned()) {
    uint64_t v = j_->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return Error(fmt::format("{} is out of range", v));
    }
    *out = static_cast<T>(v);
    return absl::OkStatus();
  }
  if (j_->is_number_integer()) {
    int64_t v = j_->get<int64_t>();
    if constexpr (std::numeric_limits<T>::is_signed) {
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<int64_t>(std::numeric_limits<T>::max())) {
        return Error(fmt::format("{} is out of range", v));
      }
    } else {
      if (v < 0 || static_cast<uint64_t>(v) > std::numeric_limits<T>::max()) {
        return Error(fmt::format("{} is out of range", v));
      }
    }
    *out = static_cast<T>(v);
    return absl::OkStatus();
  }
  if (j_->is_number_float()) {
    double d = j_->get<double>();
    // Go's encoding/json writes large integers like 1e+06 only for floats,
    // but tools do emit 1024.0: accept exact integral values.
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      int64_t v = static_cast<int64_t>(d);
      if constexpr (!std::numeric_limits<T>::is_signed) {
        if (v < 0) return Error(fmt::format("{} is out of range", v));
      }
      *out = static_cast<T>(v);
      return absl::OkStatus();
    }
  }
  return TypeError("an integer");
}

absl::Status View::To(int64_t* out) const { return ToInteger(out); }
absl::Status View::To(uint64_t* out) const { return ToInteger(out); }
absl::Status View::To(int32_t* out) const { return ToInteger(out); }
absl::Status View::To(uint32_t* out) const { return ToInteger(out); }
absl::Status View::To(uint16_t* out) const { return ToInteger(out); }

absl::Status View::To(std::vector<std::string>* out) const {
  if (!j_->is_array()) return TypeError("an array of strings");
  out->clear();
  for (size_t i = 0; i < j_->size(); ++i) {
    std::string s;
    BERTH_RETURN_IF_ERROR(At(i).To(&s));
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status View::To(std::map<std::string, std::string>* out) const {
  if (!j_->is_object()) return TypeError("an object of strings");
  out->clear();
  for (auto it = j_->begin(); it != j_->end(); ++it) {
    View child(*it, path_ + "." + it.key());
    std::string s;
    BERTH_RETURN_IF_ERROR(child.To(&s));
    (*out)[it.key()] = std::move(s);
  }
  return absl::OkStatus();
}

}  // namespace berth::json
