// The values a template works on: a JSON value, or none at all (Go's
// invalid reflect.Value, which prints "<no value>": a missing map key).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

namespace berth::cli::output::internal {

class Value {
 public:
  Value() = default;  // no value

  // A value the template computed (a literal, a function's result).
  static Value Of(nlohmann::json j) {
    Value v;
    v.owner_ = std::make_shared<const nlohmann::json>(std::move(j));
    v.ref_ = v.owner_.get();
    return v;
  }
  // A value owned by the caller of Execute, alive for the whole execution.
  static Value Borrow(const nlohmann::json& j) {
    Value v;
    v.ref_ = &j;
    return v;
  }
  // A part of this value (a field, an element), sharing its lifetime.
  Value Child(const nlohmann::json& part) const {
    Value v;
    v.owner_ = owner_;
    v.ref_ = &part;
    return v;
  }

  bool valid() const { return ref_ != nullptr; }
  const nlohmann::json& operator*() const { return *ref_; }
  const nlohmann::json* operator->() const { return ref_; }
  // As Go's `any` parameter receives it: no value becomes nil.
  nlohmann::json ToJson() const { return ref_ ? *ref_ : nlohmann::json(nullptr); }

 private:
  std::shared_ptr<const nlohmann::json> owner_;
  const nlohmann::json* ref_ = nullptr;
};

}  // namespace berth::cli::output::internal
