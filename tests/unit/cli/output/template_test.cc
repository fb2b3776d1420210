#include "cli/output/template.h"

#include <catch2/catch.hpp>

namespace berth::cli::output {
namespace {

using json = nlohmann::json;

// Renders `text` against `dot`; a parse or execution error comes back as
// "ERR: <message>" so expectations stay one-liners.
std::string Run(std::string_view text, const json& dot = json::object(),
                const MethodFn& method = {}) {
  absl::StatusOr<Template> t = Template::Parse(text);
  if (!t.ok()) return "ERR: " + std::string(t.status().message());
  absl::StatusOr<std::string> out = t->Execute(dot, method);
  if (!out.ok()) return "ERR: " + std::string(out.status().message());
  return *out;
}

const json& Inspect() {
  static const json j = json::parse(R"({
    "Id": "4c3f1a2b9d8e",
    "Name": "/web",
    "State": {"Status": "running", "Running": true, "Pid": 4242, "ExitCode": 0,
              "Health": null},
    "Config": {"Labels": {"a": "1", "com.example.team": "infra"},
               "Cmd": ["nginx", "-g", "daemon off;"], "Env": [], "Tty": false},
    "Mounts": [{"Source": "/srv/www", "Destination": "/usr/share/nginx/html"},
               {"Source": "/var/log/web", "Destination": "/var/log/nginx"}],
    "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"},
                                     "backend": {"IPAddress": "10.0.0.5"}}},
    "SizeRw": 1.5,
    "Html": "<b>&</b>"
  })");
  return j;
}

TEST_CASE("docker inspect -f cases", "[template]") {
  CHECK(Run("{{.State.Running}}", Inspect()) == "true");
  CHECK(Run("{{.State.Status}}", Inspect()) == "running");
  CHECK(Run("{{.State.Pid}}", Inspect()) == "4242");
  CHECK(Run("{{range .Mounts}}{{.Source}}{{end}}", Inspect()) == "/srv/www/var/log/web");
  CHECK(Run("{{range .Mounts}}{{.Source}} {{end}}", Inspect()) == "/srv/www /var/log/web ");
  CHECK(Run("{{json .Config.Labels}}", Inspect()) == R"({"a":"1","com.example.team":"infra"})");
  CHECK(Run("{{index .Config.Labels \"a\"}}", Inspect()) == "1");
  CHECK(Run("{{index .Config.Labels \"com.example.team\"}}", Inspect()) == "infra");
  CHECK(Run("{{if eq .State.Status \"running\"}}up{{end}}", Inspect()) == "up");
  CHECK(Run("{{if eq .State.Status \"exited\"}}up{{else}}down{{end}}", Inspect()) == "down");
  CHECK(
      Run("{{range $net, $conf := .NetworkSettings.Networks}}{{$net}}={{$conf.IPAddress}};{{end}}",
          Inspect()) == "backend=10.0.0.5;bridge=172.17.0.2;");
  CHECK(Run("{{.NetworkSettings.Networks.bridge.IPAddress}}", Inspect()) == "172.17.0.2");
  CHECK(Run("{{join .Config.Cmd \" \"}}", Inspect()) == "nginx -g daemon off;");
  CHECK(Run("{{.Config.Cmd}}", Inspect()) == "[nginx -g daemon off;]");
  CHECK(Run("{{len .Mounts}}", Inspect()) == "2");
  CHECK(Run("{{(index .Mounts 1).Destination}}", Inspect()) == "/var/log/nginx");
  CHECK(Run("{{with .State}}{{.Status}}/{{.ExitCode}}{{end}}", Inspect()) == "running/0");
  CHECK(Run("{{.Name | printf \"%s!\"}}", Inspect()) == "/web!");
  CHECK(Run("{{json .Html}}", Inspect()) == R"("<b>&</b>")");  // docker turns HTML escaping off
}

TEST_CASE("values print like Go's %v", "[template]") {
  json dot = {{"t", true},
              {"f", false},
              {"i", 42},
              {"n", -7},
              {"big", 1e6},
              {"half", 0.5},
              {"whole", 3.0},
              {"s", "hi"},
              {"null", nullptr},
              {"arr", {"a", 1, nullptr}},
              {"obj", {{"b", 2}, {"a", "x"}}},
              {"empty", json::array()},
              {"emptyobj", json::object()}};
  CHECK(Run("{{.t}} {{.f}} {{.i}} {{.n}}", dot) == "true false 42 -7");
  CHECK(Run("{{.big}} {{.half}} {{.whole}}", dot) == "1e+06 0.5 3");
  CHECK(Run("{{.s}} {{.null}}", dot) == "hi <nil>");
  CHECK(Run("{{.arr}} {{.obj}}", dot) == "[a 1 <nil>] map[a:x b:2]");
  CHECK(Run("{{.empty}} {{.emptyobj}}", dot) == "[] map[]");
  CHECK(Run("{{.missing}}", dot) == "<no value>");
  CHECK(Run("{{.missing.deeper}}", dot) == "<no value>");
  CHECK(Run("{{.}}", json("x")) == "x");
  CHECK(Run("{{1.5}} {{1e3}} {{0x10}} {{'a'}} {{-3}} {{true}} {{\"s\"}} {{`raw`}}") ==
        "1.5 1000 16 97 -3 true s raw");
  CHECK(Run("{{1234567.0}} {{0.0001}} {{0.00001}}") == "1.234567e+06 0.0001 1e-05");
}

TEST_CASE("trim markers and comments", "[template]") {
  CHECK(Run("a  {{- \"b\" -}}  c") == "abc");
  CHECK(Run("a \n {{- /* note */ -}} \n c") == "ac");
  CHECK(Run("a {{/* note */}} c") == "a  c");
  CHECK(Run("{{-3}}") == "-3");  // no space after '-': a number
  CHECK(Run("x\n{{- range .}}\n  {{.}}\n{{- end}}\n", json{1, 2}) == "x\n  1\n  2\n");
}

TEST_CASE("variables and pipelines", "[template]") {
  json dot = {{"a", "x"}, {"list", {"p", "q"}}};
  CHECK(Run("{{$v := .a}}{{$v}}{{$v = \"y\"}}{{$v}}", dot) == "xy");
  CHECK(Run("{{$}}", json(5)) == "5");
  CHECK(Run("{{range .list}}{{$.a}}{{.}}{{end}}", dot) == "xpxq");
  CHECK(Run("{{range $i, $e := .list}}{{$i}}:{{$e}} {{end}}", dot) == "0:p 1:q ");
  CHECK(Run("{{range $e := .list}}{{$e}}{{end}}", dot) == "pq");
  CHECK(Run("{{.a | printf \"%s-%s\" \"z\"}}", dot) == "z-x");
  CHECK(Run("{{\"abc\" | upper | printf \"%q\"}}") == "\"ABC\"");
  CHECK(Run("{{(printf \"%d\" 3) | len}}") == "1");
  CHECK(Run("{{with $x := .a}}{{$x}}{{end}}", dot) == "x");
  CHECK(Run("{{if $x := .a}}{{$x}}{{end}}", dot) == "x");
}

TEST_CASE("control structures", "[template]") {
  json dot = {{"n", 2}, {"list", {1, 2, 3, 4}}, {"none", json::array()}, {"m", {{"k", "v"}}}};
  CHECK(Run("{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}", dot) == "two");
  CHECK(Run("{{if .none}}y{{else}}n{{end}}", dot) == "n");
  CHECK(Run("{{if \"\"}}y{{else}}n{{end}} {{if \"0\"}}y{{end}} {{if 0.0}}y{{else}}n{{end}}") ==
        "n y n");
  CHECK(Run("{{range .none}}x{{else}}empty{{end}}", dot) == "empty");
  CHECK(Run("{{range .missing}}x{{else}}empty{{end}}", dot) == "empty");
  CHECK(Run("{{range .m}}{{.}}{{end}}", dot) == "v");
  CHECK(Run("{{range $k, $v := .m}}{{$k}}={{$v}}{{end}}", dot) == "k=v");
  CHECK(Run("{{range .list}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", dot) == "12");
  CHECK(Run("{{range .list}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", dot) == "134");
  CHECK(Run("{{range 3}}{{.}}{{end}}") == "012");
  CHECK(Run("{{with .missing}}x{{else}}none{{end}}", dot) == "none");
  CHECK(Run("{{with .m}}{{.k}}{{else with .n}}n{{end}}", dot) == "v");
  CHECK(Run("{{with .missing}}{{.k}}{{else with .n}}{{.}}{{end}}", dot) == "2");
}

TEST_CASE("builtin functions", "[template]") {
  json dot = {{"s", "abc"}, {"i", 3}, {"f", 2.5}, {"list", {"x", "y"}}, {"m", {{"a", 1}}}};
  CHECK(Run("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" 3}} {{or 0 false}}") == "0 2 3 false");
  CHECK(Run("{{not true}} {{not 0}} {{not .missing}}", dot) == "false true true");
  CHECK(Run("{{len .s}} {{len .list}} {{len .m}}", dot) == "3 2 1");
  CHECK(Run("{{index .list 1}} {{index .m \"a\"}} {{index .s 0}}", dot) == "y 1 97");
  CHECK(Run("{{eq .i 3}} {{ne .i 3}} {{lt .i 4}} {{le .i 3}} {{gt .i 3}} {{ge .i 3}}", dot) ==
        "true false true true false true");
  CHECK(Run("{{eq .s \"x\" \"abc\"}} {{lt \"a\" \"b\"}} {{gt .f 2.4}}", dot) == "true true true");
  CHECK(Run("{{eq .missing \"x\"}}", dot) == "false");
  CHECK(Run("{{print 1 2 \"a\" \"b\" 3}}") == "1 2ab3");  // no space next to a string
  CHECK(Run("{{println 1 \"a\"}}") == "1 a\n");
  CHECK(Run("{{printf \"%5d|%-5s|%05.1f|%x|%v|%t\" 42 \"ab\" 3.14159 255 .list true}}", dot) ==
        "   42|ab   |003.1|ff|[x y]|true");
  CHECK(Run("{{printf \"%d %s\" \"x\"}}") == "%!d(string=x) %!s(MISSING)");
  CHECK(Run("{{printf \"%d\" 1 2}}") == "1%!(EXTRA int=2)");
  CHECK(Run("{{printf \"%v %v\" .missing .f}}", dot) == "<nil> 2.5");
  CHECK(Run("{{print .missing}}", dot) == "<nil>");
}

TEST_CASE("docker's template functions", "[template]") {
  json dot = {{"s", "Hello World"}, {"csv", "a,b,c"}, {"list", {"x", "y"}}, {"n", nullptr}};
  CHECK(Run("{{lower .s}}|{{upper .s}}|{{title \"hello big-world_x\"}}", dot) ==
        "hello world|HELLO WORLD|Hello Big-World_x");
  CHECK(Run("{{split .csv \",\"}}", dot) == "[a b c]");
  CHECK(Run("{{join (split .csv \",\") \"+\"}}", dot) == "a+b+c");
  CHECK(Run("{{join .list \", \"}}", dot) == "x, y");
  CHECK(Run("{{pad .s 2 1}}|{{pad \"\" 2 1}}|", dot) == "  Hello World ||");
  CHECK(Run("{{truncate .s 5}}|{{truncate .s 50}}", dot) == "Hello|Hello World");
  CHECK(Run("{{json .}}", dot) == R"({"csv":"a,b,c","list":["x","y"],"n":null,"s":"Hello World"})");
  CHECK(Run("{{json .missing}}", dot) == "null");
  CHECK(Run("{{json 1.5}} {{json 1e21}} {{json 0.0000001}} {{json 100.0}}") ==
        "1.5 1e+21 1e-7 100");
  CHECK(Run("{{json \"a\\u2028\\n\\x01\"}}") == R"("a\u2028\n\u0001")");
  // The piped value is truncate's last argument, so 3 lands on the string.
  CHECK(Run("{{.s | lower | truncate 3}}", dot) ==
        "ERR: template: :1:24: executing \"\" at <3>: expected string; found 3");
}

TEST_CASE("the method hook answers calls and absent fields", "[template]") {
  json row = {{"Labels", "a=1,b=2"}, {"ID", "abc"}};
  MethodFn method = [](const json& dot, const std::string& name,
                       const std::vector<json>& args) -> std::optional<json> {
    if (name == "Label" && args.size() == 1) return "label:" + args[0].get<std::string>();
    if (name == "Size" && args.empty()) return "10MB";
    if (name == "Upper" && dot.is_string()) return "UP";
    return std::nullopt;
  };
  CHECK(Run("{{.Label \"com.example\"}}", row, method) == "label:com.example");
  CHECK(Run("{{\"x\" | .Label}}", row, method) == "label:x");
  CHECK(Run("{{.Size}} {{.ID}}", row, method) == "10MB abc");
  CHECK(Run("{{.ID.Upper}}", row, method) == "UP");
  CHECK(Run("{{.Nope}}", row, method) == "<no value>");
  CHECK(Run("{{.Nope 1}}", row, method) ==
        "ERR: template: :1:2: executing \"\" at <.Nope>: Nope is not a method but has arguments");
  CHECK(Run("{{.ID 1}}", row) ==
        "ERR: template: :1:2: executing \"\" at <.ID>: ID is not a method but has arguments");
}

TEST_CASE("parse errors read like Go's", "[template]") {
  CHECK(Run("{{.ID}") == "ERR: template: :1: unexpected \"}\" in operand");
  CHECK(Run("{{.ID") == "ERR: template: :1: unclosed action");
  CHECK(Run("{{}}") == "ERR: template: :1: missing value for command");
  CHECK(Run("{{if .A}}x") == "ERR: template: :1: unexpected EOF");
  CHECK(Run("{{end}}") == "ERR: template: :1: unexpected {{end}}");
  CHECK(Run("{{else}}") == "ERR: template: :1: unexpected {{else}}");
  CHECK(Run("{{nosuch .A}}") == "ERR: template: :1: function \"nosuch\" not defined");
  CHECK(Run("{{$x}}") == "ERR: template: :1: undefined variable \"$x\"");
  CHECK(Run("{{.A | 3}}") == "ERR: template: :1: non executable command in pipeline stage 2");
  CHECK(Run("{{\"abc}}") == "ERR: template: :1: unterminated quoted string");
  CHECK(Run("{{/* x }}") == "ERR: template: :1: unclosed comment");
  CHECK(Run("{{.A)}}") == "ERR: template: :1: unexpected right paren");
  CHECK(Run("{{(.A}}") == "ERR: template: :1: unclosed left paren");
  CHECK(Run("{{break}}") == "ERR: template: :1: {{break}} outside {{range}}");
  CHECK(Run("{{range $a, $b, $c := .}}{{end}}") ==
        "ERR: template: :1: too many declarations in range");
  CHECK(Run("{{if}}{{end}}") == "ERR: template: :1: missing value for if");
  CHECK(Run("{{3x}}") == "ERR: template: :1: bad number syntax: \"3x\"");
  CHECK(Run("{{\"a\".B}}") == "ERR: template: :1: unexpected . after term \"\\\"a\\\"\"");
  CHECK(Run("a\n{{.A}\n") == "ERR: template: :2: unexpected \"}\" in operand");
  CHECK(Run("{{template \"x\"}}") == "ERR: template: :1: {{template}} is not supported");
}

TEST_CASE("execution errors read like Go's", "[template]") {
  json dot = {{"s", "abc"}, {"n", 5}, {"null", nullptr}, {"list", {1}}};
  CHECK(Run("{{index .n 1}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <index .n 1>: error calling index: can't index "
        "item of type int");
  CHECK(Run("{{index .list 1}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <index .list 1>: error calling index: index out "
        "of range: 1");
  CHECK(Run("{{eq .s 1}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <eq .s 1>: error calling eq: incompatible types "
        "for comparison");
  CHECK(Run("{{lt .list 1}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <lt .list 1>: error calling lt: invalid type for "
        "comparison");
  CHECK(Run("{{.null.x}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <.null.x>: nil pointer evaluating interface {}.x");
  CHECK(Run("{{.s.x}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <.s.x>: can't evaluate field x in type string");
  CHECK(Run("{{range .s}}{{end}}", dot) ==
        "ERR: template: :1:8: executing \"\" at <{{range .s}}>: range can't iterate over abc");
  CHECK(Run("{{upper .n}}", dot) ==
        "ERR: template: :1:8: executing \"\" at <.n>: wrong type for value; expected string; got "
        "int");
  CHECK(Run("{{upper 3}}", dot) ==
        "ERR: template: :1:8: executing \"\" at <3>: expected string; found 3");
  CHECK(Run("{{len}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <len>: wrong number of args for len: want 1 got 0");
  CHECK(Run("{{.s 1}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <.s>: s is not a method but has arguments");
  CHECK(Run("{{1 2}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <1>: can't give argument to non-function 1");
  CHECK(Run("{{nil}}", dot) ==
        "ERR: template: :1:2: executing \"\" at <nil>: nil is not a command");
  CHECK(Run("x\n {{index .n 0}}", dot).starts_with("ERR: template: :2:3: executing"));
}

TEST_CASE("a header renders with docker's header functions", "[template]") {
  absl::StatusOr<Template> t =
      Template::Parse("{{upper .A}}\t{{json .B}}\t{{truncate .C 2}}\t{{pad .D 1 1}}");
  REQUIRE(t.ok());
  CHECK(t->ExecuteHeader({{"A", "name"}, {"B", "LABELS"}, {"C", "IMAGE"}, {"D", "X"}}) ==
        "name\tLABELS\tIMAGE\t X ");
}

}  // namespace
}  // namespace berth::cli::output
