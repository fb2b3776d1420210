#include "cli/output/template_exec.h"

#include <fmt/format.h>

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "cli/output/go_format.h"
#include "cli/output/template_funcs.h"
#include "cli/output/template_value.h"
#include "common/status.h"

namespace berth::cli::output::internal {
namespace {

using json = nlohmann::json;
using Args = std::span<const Node>;  // a command's operands, function/field first

const char* KindName(ParamKind kind) {
  switch (kind) {
    case ParamKind::kString:
      return "string";
    case ParamKind::kInt:
      return "int";
    case ParamKind::kStringSlice:
      return "[]string";
    case ParamKind::kValue:
      return "reflect.Value";
    case ParamKind::kAny:
      return "interface {}";
  }
  return "";
}

class Executor {
 public:
  Executor(std::string_view source, const MethodFn& method, bool header, std::string* out)
      : source_(source), method_(method), header_(header), out_(out) {}

  absl::Status Run(const Node& root, const Value& dot) {
    vars_.emplace_back("$", dot);
    return Walk(dot, root).status();
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  // Go's state.errorf: "template: :LINE:COL: executing "" at <NODE>: MSG".
  absl::Status Errorf(const Node& at, std::string_view message) const {
    std::string_view before = source_.substr(0, std::min(at.pos, source_.size()));
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? at.pos : at.pos - (nl + 1);
    size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    std::string context = NodeString(at);
    size_t runes = 0;
    for (size_t i = 0; i < context.size(); ++i) {
      if ((static_cast<unsigned char>(context[i]) & 0xc0) == 0x80) continue;
      if (runes++ == 20) {
        context = context.substr(0, i) + "...";
        break;
      }
    }
    return InvalidArgumentf("template: :{}:{}: executing \"\" at <{}>: {}", line, col, context,
                            message);
  }

  // ---- statements ----

  absl::StatusOr<Flow> Walk(const Value& dot, const Node& node) {
    switch (node.type) {
      case NodeType::kList:
        for (const Node& item : node.nodes) {
          BERTH_ASSIGN_OR_RETURN(Flow flow, Walk(dot, item));
          if (flow != Flow::kNormal) return flow;
        }
        return Flow::kNormal;
      case NodeType::kText:
        *out_ += node.text;
        return Flow::kNormal;
      case NodeType::kAction: {
        // Variables declared here live until the enclosing {{end}}.
        BERTH_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *node.pipe));
        if (node.pipe->decls.empty()) *out_ += v.valid() ? GoValueString(*v) : "<no value>";
        return Flow::kNormal;
      }
      case NodeType::kIf:
      case NodeType::kWith:
        return WalkIfOrWith(dot, node);
      case NodeType::kRange:
        return WalkRange(dot, node);
      case NodeType::kBreak:
        return Flow::kBreak;
      case NodeType::kContinue:
        return Flow::kContinue;
      default:
        return Errorf(node, "unknown node");
    }
  }

  absl::StatusOr<Flow> WalkIfOrWith(const Value& dot, const Node& node) {
    size_t mark = vars_.size();
    BERTH_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *node.pipe));
    absl::StatusOr<Flow> flow = Flow::kNormal;
    if (IsTrue(v)) {
      flow = Walk(node.type == NodeType::kWith ? v : dot, *node.list);
    } else if (node.else_list) {
      flow = Walk(dot, *node.else_list);
    }
    vars_.resize(mark);
    return flow;
  }

  absl::StatusOr<Flow> WalkRange(const Value& dot, const Node& node) {
    size_t mark = vars_.size();
    const Node& pipe = *node.pipe;
    BERTH_ASSIGN_OR_RETURN(Value v, EvalCommands(dot, pipe));
    bool ran = false;
    // One iteration: the variables get (index, element) or (element).
    auto one = [&](Value index, const Value& elem) -> absl::StatusOr<Flow> {
      ran = true;
      size_t body_mark = vars_.size();
      std::vector<Value> values;
      if (pipe.decls.size() == 1) values = {elem};
      if (pipe.decls.size() == 2) values = {std::move(index), elem};
      for (size_t i = 0; i < values.size(); ++i) {
        if (pipe.is_assign) {
          BERTH_RETURN_IF_ERROR(SetVar(pipe, pipe.decls[i], values[i]));
        } else {
          vars_.emplace_back(pipe.decls[i], values[i]);
        }
      }
      absl::StatusOr<Flow> flow = Walk(elem, *node.list);
      vars_.resize(body_mark);
      return flow;
    };
    absl::Status status;
    if (v.valid() && v->is_array()) {
      for (size_t i = 0; i < v->size(); ++i) {
        BERTH_ASSIGN_OR_RETURN(Flow flow, one(Value::Of(i), v.Child((*v)[i])));
        if (flow == Flow::kBreak) break;
      }
    } else if (v.valid() && v->is_object()) {
      for (auto it = v->begin(); it != v->end(); ++it) {  // keys sorted, as Go's range
        BERTH_ASSIGN_OR_RETURN(Flow flow, one(Value::Of(it.key()), v.Child(it.value())));
        if (flow == Flow::kBreak) break;
      }
    } else if (v.valid() && v->is_number_integer()) {  // Go 1.22: range over an int
      if (pipe.decls.size() > 1) {
        return Errorf(node, fmt::format("can't use {} to iterate over more than one variable",
                                        GoValueString(*v)));
      }
      for (int64_t i = 0; i < v->get<int64_t>(); ++i) {
        BERTH_ASSIGN_OR_RETURN(Flow flow, one(Value::Of(i), Value::Of(i)));
        if (flow == Flow::kBreak) break;
      }
    } else if (v.valid() && !v->is_null()) {
      // null ranges as an empty list: a Go struct's nil slice or map.
      return Errorf(node, "range can't iterate over " + GoValueString(*v));
    }
    if (!ran && node.else_list) {
      BERTH_ASSIGN_OR_RETURN(Flow flow, Walk(dot, *node.else_list));
      (void)flow;
    }
    vars_.resize(mark);
    return Flow::kNormal;
  }

  // ---- variables ----

  absl::StatusOr<Value> VarValue(const Node& at, const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return Errorf(at, "undefined variable: " + name);
  }

  absl::Status SetVar(const Node& at, const std::string& name, const Value& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = v;
        return absl::OkStatus();
      }
    }
    return Errorf(at, "undefined variable: " + name);
  }

  // ---- pipelines and commands ----

  absl::StatusOr<Value> EvalCommands(const Value& dot, const Node& pipe) {
    std::optional<Value> value;  // nullopt: Go's missingVal, no final argument
    for (const Node& cmd : pipe.nodes) {
      BERTH_ASSIGN_OR_RETURN(Value v, EvalCommand(dot, cmd, value));
      value = std::move(v);
    }
    return value.value_or(Value());
  }

  absl::StatusOr<Value> EvalPipeline(const Value& dot, const Node& pipe) {
    BERTH_ASSIGN_OR_RETURN(Value v, EvalCommands(dot, pipe));
    for (const std::string& name : pipe.decls) {
      if (pipe.is_assign) {
        BERTH_RETURN_IF_ERROR(SetVar(pipe, name, v));
      } else {
        vars_.emplace_back(name, v);
      }
    }
    return v;
  }

  absl::Status NotAFunction(Args args, const std::optional<Value>& final) const {
    if (args.size() > 1 || final) {
      return Errorf(args[0], "can't give argument to non-function " + NodeString(args[0]));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Value> EvalCommand(const Value& dot, const Node& cmd,
                                    const std::optional<Value>& final) {
    Args args(cmd.nodes);
    const Node& first = args[0];
    switch (first.type) {
      case NodeType::kField:
        return EvalFieldChain(dot, dot, first, first.idents, args, final);
      case NodeType::kChain:
        return EvalChain(dot, first, args, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, cmd, args, final);
      case NodeType::kPipe:
        BERTH_RETURN_IF_ERROR(NotAFunction(args, final));
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        return EvalVariable(dot, first, args, final);
      default:
        break;
    }
    BERTH_RETURN_IF_ERROR(NotAFunction(args, final));
    switch (first.type) {
      case NodeType::kBool:
        return Value::Of(first.boolean);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        return Errorf(first, "nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(first);
      case NodeType::kString:
        return Value::Of(first.str);
      default:
        return Errorf(first, "can't evaluate command " + GoQuote(NodeString(first)));
    }
  }

  // An untyped number: a float64 when written as one ("1.5", "1e3"), else int.
  static Value IdealConstant(const Node& n) {
    if (n.float_syntax) return Value::Of(n.float_value);
    return Value::Of(n.int_value);
  }

  absl::StatusOr<Value> EvalVariable(const Value& dot, const Node& var, Args args,
                                     const std::optional<Value>& final) {
    BERTH_ASSIGN_OR_RETURN(Value v, VarValue(var, var.idents[0]));
    if (var.idents.size() == 1) {
      BERTH_RETURN_IF_ERROR(NotAFunction(args, final));
      return v;
    }
    return EvalFieldChain(dot, v, var, std::span(var.idents).subspan(1), args, final);
  }

  absl::StatusOr<Value> EvalChain(const Value& dot, const Node& chain, Args args,
                                  const std::optional<Value>& final) {
    const Node& operand = chain.nodes[0];
    if (operand.type == NodeType::kNil) {
      return Errorf(chain, "indirection through explicit nil in " + NodeString(chain));
    }
    BERTH_ASSIGN_OR_RETURN(Value receiver, EvalArg(dot, ParamKind::kValue, operand));
    return EvalFieldChain(dot, receiver, chain, chain.idents, args, final);
  }

  absl::StatusOr<Value> EvalFieldChain(const Value& dot, Value receiver, const Node& node,
                                       std::span<const std::string> idents, Args args,
                                       const std::optional<Value>& final) {
    for (size_t i = 0; i + 1 < idents.size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(receiver, EvalField(dot, idents[i], node, {}, std::nullopt, receiver));
    }
    return EvalField(dot, idents.back(), node, args, final, receiver);
  }

  // Asks the method hook; nullopt when there is none or it has no `name`.
  absl::StatusOr<std::optional<Value>> CallMethod(const Value& dot, const std::string& name,
                                                  const Value& receiver, Args args,
                                                  const std::optional<Value>& final) {
    if (!method_) return std::nullopt;
    std::vector<json> values;
    for (size_t i = 1; i < args.size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(Value v, EvalArg(dot, ParamKind::kAny, args[i]));
      values.push_back(*v);
    }
    if (final) values.push_back(final->ToJson());
    std::optional<json> result = method_(*receiver, name, values);
    if (!result) return std::nullopt;
    return std::optional<Value>(Value::Of(std::move(*result)));
  }

  absl::StatusOr<Value> EvalField(const Value& dot, const std::string& name, const Node& node,
                                  Args args, const std::optional<Value>& final,
                                  const Value& receiver) {
    if (!receiver.valid()) return Value();  // a field of nothing is nothing
    bool has_args = args.size() > 1 || final;
    const json& r = *receiver;
    if (r.is_object() && !has_args) {
      auto it = r.find(name);
      if (it != r.end()) return receiver.Child(*it);
    }
    BERTH_ASSIGN_OR_RETURN(std::optional<Value> method,
                           CallMethod(dot, name, receiver, args, final));
    if (method) return *method;
    if (r.is_object()) {
      if (has_args) return Errorf(node, name + " is not a method but has arguments");
      return Value();  // a missing key
    }
    if (r.is_null()) return Errorf(node, "nil pointer evaluating interface {}." + name);
    return Errorf(node, "can't evaluate field " + name + " in type " + GoTypeName(r));
  }

  absl::StatusOr<Value> EvalFunction(const Value& dot, const Node& ident, const Node& cmd,
                                     Args args, const std::optional<Value>& final) {
    const std::string& name = ident.text;
    const FuncSignature* sig = FindSignature(name, header_);
    if (sig == nullptr) return Errorf(ident, GoQuote(name) + " is not a defined function");
    Args params = args.empty() ? args : args.subspan(1);
    size_t num_in = params.size() + (final ? 1 : 0);
    size_t num_fixed = sig->fixed.size();
    if (sig->variadic && num_in < num_fixed) {
      return Errorf(ident, fmt::format("wrong number of args for {}: want at least {} got {}", name,
                                       num_fixed, params.size()));
    }
    if (!sig->variadic && num_in != num_fixed) {
      return Errorf(ident, fmt::format("wrong number of args for {}: want {} got {}", name,
                                       num_fixed, num_in));
    }
    if (name == "and" || name == "or") {
      // Short-circuit: the first false (and) or true (or) operand, else the last.
      Value v;
      for (const Node& arg : params) {
        BERTH_ASSIGN_OR_RETURN(v, EvalArg(dot, ParamKind::kValue, arg));
        if (IsTrue(v) == (name == "or")) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<Value> values;
    for (size_t i = 0; i < params.size(); ++i) {
      ParamKind kind = i < num_fixed ? sig->fixed[i] : *sig->variadic;
      BERTH_ASSIGN_OR_RETURN(Value v, EvalArg(dot, kind, params[i]));
      values.push_back(std::move(v));
    }
    if (final) {
      ParamKind kind = sig->variadic ? *sig->variadic : sig->fixed.back();
      BERTH_ASSIGN_OR_RETURN(Value v, Validate(cmd, *final, kind));
      values.push_back(std::move(v));
    }
    absl::StatusOr<Value> result = CallFunction(name, header_, values);
    if (!result.ok()) {
      return Errorf(cmd, "error calling " + name + ": " + std::string(result.status().message()));
    }
    return result;
  }

  // ---- arguments ----

  // Go's validateType: does the value fit the parameter?
  absl::StatusOr<Value> Validate(const Node& at, const Value& v, ParamKind kind) const {
    auto wrong = [&](const char* want) {
      return Errorf(at,
                    fmt::format("wrong type for value; expected {}; got {}", want, GoTypeName(*v)));
    };
    switch (kind) {
      case ParamKind::kValue:
        return v;
      case ParamKind::kAny:
        return v.valid() ? v : Value::Of(nullptr);
      case ParamKind::kString:
        if (!v.valid()) return Errorf(at, "invalid value; expected string");
        if (!v->is_string()) return wrong("string");
        return v;
      case ParamKind::kInt:
        if (!v.valid()) return Errorf(at, "invalid value; expected int");
        if (!v->is_number_integer()) return wrong("int");
        return v;
      case ParamKind::kStringSlice:
        if (!v.valid() || v->is_null()) return Value::Of(json::array());
        if (v->is_array()) {
          bool strings = true;
          for (const json& e : *v) strings = strings && e.is_string();
          if (strings) return v;
        }
        return wrong("[]string");
    }
    return v;
  }

  absl::StatusOr<Value> EvalArg(const Value& dot, ParamKind kind, const Node& n) {
    Args self(&n, 1);
    switch (n.type) {
      case NodeType::kDot:
        return Validate(n, dot, kind);
      case NodeType::kNil:
        if (kind == ParamKind::kValue) return Value();
        if (kind == ParamKind::kAny) return Value::Of(nullptr);
        if (kind == ParamKind::kStringSlice) return Value::Of(json::array());
        return Errorf(n, std::string("cannot assign nil to ") + KindName(kind));
      case NodeType::kField: {
        BERTH_ASSIGN_OR_RETURN(Value v, EvalFieldChain(dot, dot, n, n.idents, self, std::nullopt));
        return Validate(n, v, kind);
      }
      case NodeType::kVariable: {
        BERTH_ASSIGN_OR_RETURN(Value v, EvalVariable(dot, n, self, std::nullopt));
        return Validate(n, v, kind);
      }
      case NodeType::kPipe: {
        BERTH_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, n));
        return Validate(n, v, kind);
      }
      case NodeType::kIdentifier: {
        BERTH_ASSIGN_OR_RETURN(Value v, EvalFunction(dot, n, n, Args(), std::nullopt));
        return Validate(n, v, kind);
      }
      case NodeType::kChain: {
        BERTH_ASSIGN_OR_RETURN(Value v, EvalChain(dot, n, self, std::nullopt));
        return Validate(n, v, kind);
      }
      default:
        break;
    }
    switch (kind) {
      case ParamKind::kValue:
      case ParamKind::kAny:
        if (n.type == NodeType::kBool) return Value::Of(n.boolean);
        if (n.type == NodeType::kNumber) return IdealConstant(n);
        if (n.type == NodeType::kString) return Value::Of(n.str);
        break;
      case ParamKind::kString:
        if (n.type == NodeType::kString) return Value::Of(n.str);
        return Errorf(n, "expected string; found " + NodeString(n));
      case ParamKind::kInt:
        if (n.type == NodeType::kNumber && n.is_int) return Value::Of(n.int_value);
        return Errorf(n, "expected integer; found " + NodeString(n));
      case ParamKind::kStringSlice:
        break;
    }
    return Errorf(n,
                  fmt::format("can't handle {} for arg of type {}", NodeString(n), KindName(kind)));
  }

  std::string_view source_;
  const MethodFn& method_;
  bool header_;
  std::string* out_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

absl::Status ExecuteTree(const Node& root, std::string_view source, const json& dot,
                         const MethodFn& method, bool header, std::string* out) {
  return Executor(source, method, header, out).Run(root, Value::Borrow(dot));
}

}  // namespace berth::cli::output::internal
