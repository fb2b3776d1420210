#include "cli/output/template_funcs.h"

#include <cstdint>
#include <map>
#include <string>

#include "cli/output/go_format.h"
#include "common/status.h"

namespace berth::cli::output::internal {
namespace {

using json = nlohmann::json;
using K = ParamKind;

absl::Status Fail(std::string message) { return absl::InvalidArgumentError(message); }

// ---- comparisons (text/template/funcs.go) ----

enum class Kind { kInvalid, kBool, kInt, kUint, kFloat, kString, kOther };

// Go's indirectInterface + basicKind: null and no value are both invalid.
Kind KindOf(const Value& v) {
  if (!v.valid() || v->is_null()) return Kind::kInvalid;
  if (v->is_boolean()) return Kind::kBool;
  if (v->is_number_unsigned()) {
    return v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? Kind::kUint : Kind::kInt;
  }
  if (v->is_number_integer()) return Kind::kInt;
  if (v->is_number_float()) return Kind::kFloat;
  if (v->is_string()) return Kind::kString;
  return Kind::kOther;
}

constexpr const char* kBadComparisonType = "invalid type for comparison";
constexpr const char* kBadComparison = "incompatible types for comparison";

// An int against a uint compares by value, as Go allows; kUint only holds
// values past int64, so the two are never equal.
bool IntAndUint(Kind a, Kind b) {
  return (a == Kind::kInt && b == Kind::kUint) || (a == Kind::kUint && b == Kind::kInt);
}

absl::StatusOr<bool> Eq(const Value& a, const std::vector<Value>& others) {
  if (others.empty()) return Fail("missing argument for comparison");
  Kind k1 = KindOf(a);
  for (const Value& b : others) {
    Kind k2 = KindOf(b);
    bool truth = false;
    if (k1 != k2) {
      if (IntAndUint(k1, k2)) {
        truth = false;
      } else if (k1 != Kind::kInvalid && k2 != Kind::kInvalid) {
        return Fail(kBadComparison);
      }
    } else {
      switch (k1) {
        case Kind::kBool:
          truth = a->get<bool>() == b->get<bool>();
          break;
        case Kind::kInt:
          truth = a->get<int64_t>() == b->get<int64_t>();
          break;
        case Kind::kUint:
          truth = a->get<uint64_t>() == b->get<uint64_t>();
          break;
        case Kind::kFloat:
          truth = a->get<double>() == b->get<double>();
          break;
        case Kind::kString:
          truth = a->get_ref<const std::string&>() == b->get_ref<const std::string&>();
          break;
        case Kind::kInvalid:
          truth = true;  // nil == nil
          break;
        case Kind::kOther:
          return Fail(fmt::format("non-comparable type {}: {}", GoValueString(*b), GoTypeName(*b)));
      }
    }
    if (truth) return true;
  }
  return false;
}

absl::StatusOr<bool> Lt(const Value& a, const Value& b) {
  Kind k1 = KindOf(a);
  Kind k2 = KindOf(b);
  if (k1 == Kind::kInvalid || k1 == Kind::kOther || k2 == Kind::kInvalid || k2 == Kind::kOther) {
    return Fail(kBadComparisonType);
  }
  if (k1 != k2) {
    if (k1 == Kind::kInt && k2 == Kind::kUint) return true;  // uint past int64
    if (k1 == Kind::kUint && k2 == Kind::kInt) return false;
    return Fail(kBadComparison);
  }
  switch (k1) {
    case Kind::kInt:
      return a->get<int64_t>() < b->get<int64_t>();
    case Kind::kUint:
      return a->get<uint64_t>() < b->get<uint64_t>();
    case Kind::kFloat:
      return a->get<double>() < b->get<double>();
    case Kind::kString:
      return a->get_ref<const std::string&>() < b->get_ref<const std::string&>();
    default:
      return Fail(kBadComparisonType);
  }
}

absl::StatusOr<bool> Le(const Value& a, const Value& b) {
  BERTH_ASSIGN_OR_RETURN(bool lt, Lt(a, b));
  if (lt) return true;
  return Eq(a, {b});
}

// ---- index / len ----

// The zero value Go's index gives for a missing key. JSON has no element
// type, so it is guessed: "" for a map of strings (docker's Labels), or
// empty; nil otherwise.
json MissingKeyZero(const json& object) {
  for (const auto& [key, v] : object.items()) {
    if (!v.is_string()) return nullptr;
  }
  return "";
}

absl::StatusOr<Value> Index(const std::vector<Value>& args) {
  Value item = args[0];
  if (!item.valid() || item->is_null()) return Fail("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& index = args[i];
    if (item->is_null()) return Fail("index of nil pointer");
    if (item->is_array() || item->is_string()) {
      int64_t x = 0;
      if (!index.valid() || index->is_null()) return Fail("cannot index slice/array with nil");
      if (!index->is_number_integer()) {
        return Fail("cannot index slice/array with type " + GoTypeName(*index));
      }
      x = index->is_number_unsigned() && index->get<uint64_t>() > INT64_MAX ? -1
                                                                            : index->get<int64_t>();
      size_t len = item->is_array() ? item->size() : item->get_ref<const std::string&>().size();
      if (x < 0 || static_cast<uint64_t>(x) >= len) {
        return Fail(fmt::format("index out of range: {}", x));
      }
      if (item->is_array()) {
        item = item.Child((*item)[static_cast<size_t>(x)]);
      } else {
        // A string indexes to a byte, which prints as a number.
        item = Value::Of(static_cast<unsigned char>(
            item->get_ref<const std::string&>()[static_cast<size_t>(x)]));
      }
    } else if (item->is_object()) {
      if (!index.valid() || index->is_null()) return Fail("value is nil; should be of type string");
      if (!index->is_string()) {
        return Fail("value has type " + GoTypeName(*index) + "; should be string");
      }
      auto it = item->find(index->get_ref<const std::string&>());
      item = it != item->end() ? item.Child(*it) : Value::Of(MissingKeyZero(*item));
    } else {
      return Fail("can't index item of type " + GoTypeName(*item));
    }
  }
  return item;
}

absl::StatusOr<Value> Len(const Value& v) {
  if (!v.valid()) return Fail("len of untyped nil");
  if (v->is_null()) return Fail("len of nil pointer");
  if (v->is_string()) return Value::Of(v->get_ref<const std::string&>().size());
  if (v->is_array() || v->is_object()) return Value::Of(v->size());
  return Fail("len of type " + GoTypeName(*v));
}

// ---- docker's functions ----

std::vector<std::string> SplitString(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (sep.empty()) {  // strings.Split with "" splits into UTF-8 sequences
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (i + len > s.size()) len = 1;
      out.push_back(s.substr(i, len));
      i += len;
    }
    return out;
  }
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    out.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  out.push_back(s.substr(start));
  return out;
}

// strings.Title: upper-cases the first letter of each word; ASCII letters,
// digits, '_' and any non-ASCII byte continue a word.
std::string Title(std::string s) {
  bool prev_separator = true;
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    bool word = std::isalnum(u) || c == '_' || u >= 0x80;
    if (prev_separator && std::islower(u)) c = static_cast<char>(std::toupper(u));
    prev_separator = !word;
  }
  return s;
}

std::string MapAscii(std::string s, int (*f)(int)) {
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80) c = static_cast<char>(f(u));
  }
  return s;
}

const std::string& Str(const Value& v) { return v->get_ref<const std::string&>(); }
int64_t Int(const Value& v) { return v->get<int64_t>(); }

std::vector<json> AnyArgs(const std::vector<Value>& args, size_t from) {
  std::vector<json> out;
  for (size_t i = from; i < args.size(); ++i) out.push_back(args[i].ToJson());
  return out;
}

const std::map<std::string, FuncSignature, std::less<>>& Signatures(bool header) {
  static const auto* body = new std::map<std::string, FuncSignature, std::less<>>{
      {"and", {{K::kValue}, K::kValue}},
      {"or", {{K::kValue}, K::kValue}},
      {"not", {{K::kValue}, std::nullopt}},
      {"len", {{K::kValue}, std::nullopt}},
      {"index", {{K::kValue}, K::kValue}},
      {"eq", {{K::kValue}, K::kValue}},
      {"ne", {{K::kValue, K::kValue}, std::nullopt}},
      {"lt", {{K::kValue, K::kValue}, std::nullopt}},
      {"le", {{K::kValue, K::kValue}, std::nullopt}},
      {"gt", {{K::kValue, K::kValue}, std::nullopt}},
      {"ge", {{K::kValue, K::kValue}, std::nullopt}},
      {"print", {{}, K::kAny}},
      {"println", {{}, K::kAny}},
      {"printf", {{K::kString}, K::kAny}},
      {"json", {{K::kAny}, std::nullopt}},
      {"split", {{K::kString, K::kString}, std::nullopt}},
      {"join", {{K::kStringSlice, K::kString}, std::nullopt}},
      {"title", {{K::kString}, std::nullopt}},
      {"lower", {{K::kString}, std::nullopt}},
      {"upper", {{K::kString}, std::nullopt}},
      {"pad", {{K::kString, K::kInt, K::kInt}, std::nullopt}},
      {"truncate", {{K::kString, K::kInt}, std::nullopt}},
  };
  static const auto* head = [] {
    auto* m = new std::map<std::string, FuncSignature, std::less<>>(*body);
    (*m)["json"] = {{K::kString}, std::nullopt};
    (*m)["split"] = {{K::kString, K::kString}, std::nullopt};
    (*m)["join"] = {{K::kString, K::kString}, std::nullopt};
    (*m)["truncate"] = {{K::kString, K::kInt}, std::nullopt};
    return m;
  }();
  return header ? *head : *body;
}

}  // namespace

const FuncSignature* FindSignature(std::string_view name, bool header) {
  const auto& m = Signatures(header);
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

bool IsTrue(const Value& v) {
  if (!v.valid()) return false;
  const json& j = *v;
  switch (j.type()) {
    case json::value_t::boolean:
      return j.get<bool>();
    case json::value_t::number_integer:
      return j.get<int64_t>() != 0;
    case json::value_t::number_unsigned:
      return j.get<uint64_t>() != 0;
    case json::value_t::number_float:
      return j.get<double>() != 0;
    case json::value_t::string:
      return !j.get_ref<const std::string&>().empty();  // json::empty() is false for strings
    case json::value_t::array:
    case json::value_t::object:
      return !j.empty();
    default:
      return false;
  }
}

absl::StatusOr<Value> CallFunction(std::string_view name, bool header,
                                   const std::vector<Value>& args) {
  if (header) {
    // docker's HeaderFunctions: the column title passes through.
    if (name == "json" || name == "split" || name == "join" || name == "title" || name == "lower" ||
        name == "upper" || name == "truncate") {
      return args[0];
    }
  }
  if (name == "not") return Value::Of(!IsTrue(args[0]));
  if (name == "len") return Len(args[0]);
  if (name == "index") return Index(args);
  if (name == "eq") {
    BERTH_ASSIGN_OR_RETURN(bool eq, Eq(args[0], {args.begin() + 1, args.end()}));
    return Value::Of(eq);
  }
  if (name == "ne") {
    BERTH_ASSIGN_OR_RETURN(bool eq, Eq(args[0], {args[1]}));
    return Value::Of(!eq);
  }
  if (name == "lt" || name == "ge") {
    BERTH_ASSIGN_OR_RETURN(bool lt, Lt(args[0], args[1]));
    return Value::Of(name == "lt" ? lt : !lt);
  }
  if (name == "le" || name == "gt") {
    BERTH_ASSIGN_OR_RETURN(bool le, Le(args[0], args[1]));
    return Value::Of(name == "le" ? le : !le);
  }
  if (name == "print") return Value::Of(GoSprint(AnyArgs(args, 0)));
  if (name == "println") return Value::Of(GoSprintln(AnyArgs(args, 0)));
  if (name == "printf") return Value::Of(GoSprintf(Str(args[0]), AnyArgs(args, 1)));
  if (name == "json") return Value::Of(GoJson(args[0].ToJson()));
  if (name == "split") return Value::Of(SplitString(Str(args[0]), Str(args[1])));
  if (name == "join") {
    std::string out;
    for (size_t i = 0; i < args[0]->size(); ++i) {
      if (i > 0) out += Str(args[1]);
      out += (*args[0])[i].get_ref<const std::string&>();
    }
    return Value::Of(out);
  }
  if (name == "title") return Value::Of(Title(Str(args[0])));
  if (name == "lower")
    return Value::Of(MapAscii(Str(args[0]), [](int c) { return std::tolower(c); }));
  if (name == "upper")
    return Value::Of(MapAscii(Str(args[0]), [](int c) { return std::toupper(c); }));
  if (name == "pad") {
    if (Int(args[1]) < 0 || Int(args[2]) < 0) return Fail("strings: negative Repeat count");
    if (Str(args[0]).empty()) return Value::Of("");
    return Value::Of(std::string(static_cast<size_t>(Int(args[1])), ' ') + Str(args[0]) +
                     std::string(static_cast<size_t>(Int(args[2])), ' '));
  }
  if (name == "truncate") {
    int64_t n = Int(args[1]);
    const std::string& s = Str(args[0]);
    if (static_cast<int64_t>(s.size()) < n) return Value::Of(s);
    if (n < 0) return Fail(fmt::format("runtime error: slice bounds out of range [:{}]", n));
    return Value::Of(s.substr(0, static_cast<size_t>(n)));  // bytes, as docker slices
  }
  return Fail(fmt::format("{} is not a defined function", GoQuote(name)));
}

}  // namespace berth::cli::output::internal
