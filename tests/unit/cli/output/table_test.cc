#include "cli/output/table.h"

#include <catch2/catch.hpp>

namespace berth::cli::output {
namespace {

using json = nlohmann::json;

// docker ps's default table and rows as berth builds them.
constexpr std::string_view kPsTable =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Names}}";

const json& PsHeaders() {
  static const json h = {{"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"},
                         {"Status", "STATUS"},   {"Names", "NAMES"}, {"Ports", "PORTS"}};
  return h;
}

const std::vector<json>& PsRows() {
  static const std::vector<json> rows = {
      {{"ID", "4c3f1a2b9d8e"},
       {"Image", "nginx:latest"},
       {"Command", "\"/docker-entrypoint.…\""},
       {"Status", "Up 2 minutes"},
       {"Names", "web"},
       {"Ports", "0.0.0.0:8080->80/tcp"},
       {"Labels", {{"team", "infra"}}}},
      {{"ID", "a1b2c3d4e5f6"},
       {"Image", "busybox"},
       {"Command", "\"sh\""},
       {"Status", "Exited (0) 3 seconds ago"},
       {"Names", "tmp"},
       {"Ports", ""},
       {"Labels", json::object()}},
  };
  return rows;
}

std::string Rows(std::string_view format, const MethodFn& method = {}) {
  absl::StatusOr<std::string> out = FormatRows(format, kPsTable, PsHeaders(), PsRows(), method);
  return out.ok() ? *out : "ERR: " + std::string(out.status().message());
}

TEST_CASE("the default table is docker ps's, byte for byte", "[table]") {
  std::string expected =
      "CONTAINER ID   IMAGE          COMMAND                  STATUS                     NAMES\n"
      "4c3f1a2b9d8e   nginx:latest   \"/docker-entrypoint.…\"   Up 2 minutes               web\n"
      "a1b2c3d4e5f6   busybox        \"sh\"                     Exited (0) 3 seconds ago   tmp\n";
  CHECK(Rows("") == expected);
  CHECK(Rows("table") == expected);
  // The default may also be given without its "table " prefix.
  absl::StatusOr<std::string> bare = FormatRows(
      "", "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Names}}", PsHeaders(), PsRows());
  REQUIRE(bare.ok());
  CHECK(*bare == expected);
}

TEST_CASE("a table format typed on a shell", "[table]") {
  // --format 'table {{.Names}}\t{{.Ports}}\t{{.ID}}': backslash-t typed, an empty cell.
  CHECK(Rows("table {{.Names}}\\t{{.Ports}}\\t{{.ID}}") ==
        "NAMES     PORTS                  CONTAINER ID\n"
        "web       0.0.0.0:8080->80/tcp   4c3f1a2b9d8e\n"
        "tmp                              a1b2c3d4e5f6\n");
  CHECK(Rows("table {{.ID}}") == "CONTAINER ID\n4c3f1a2b9d8e\na1b2c3d4e5f6\n");
  // A column the headers do not know prints Go's missing-key text.
  CHECK(Rows("table {{.Names}}\t{{.Nope}}") ==
        "NAMES     <no value>\nweb       <no value>\ntmp       <no value>\n");
  // Header functions leave column titles alone; pad still pads.
  CHECK(Rows("table {{lower .Names}}\t{{truncate .ID 4}}") ==
        "NAMES     CONTAINER ID\nweb       4c3f\ntmp       a1b2\n");
}

TEST_CASE("json and custom formats", "[table]") {
  CHECK(Rows("{{.Names}}: {{.Status}}") == "web: Up 2 minutes\ntmp: Exited (0) 3 seconds ago\n");
  CHECK(Rows("  {{.Names}}\\n  ") == "web\n\ntmp\n\n");  // spaces trimmed, then \n replaced
  CHECK(Rows("{{.Names}}\\t{{.ID}}") == "web\t4c3f1a2b9d8e\ntmp\ta1b2c3d4e5f6\n");  // no alignment
  CHECK(Rows("json") ==
        R"({"Command":"\"/docker-entrypoint.…\"","ID":"4c3f1a2b9d8e","Image":"nginx:latest",)"
        R"("Labels":{"team":"infra"},"Names":"web","Ports":"0.0.0.0:8080->80/tcp",)"
        R"("Status":"Up 2 minutes"})"
        "\n"
        R"({"Command":"\"sh\"","ID":"a1b2c3d4e5f6","Image":"busybox","Labels":{},)"
        R"("Names":"tmp","Ports":"","Status":"Exited (0) 3 seconds ago"})"
        "\n");
}

TEST_CASE("row methods through the hook", "[table]") {
  MethodFn label = [](const json& dot, const std::string& name,
                      const std::vector<json>& args) -> std::optional<json> {
    if (name != "Label" || args.size() != 1) return std::nullopt;
    auto it = dot["Labels"].find(args[0].get<std::string>());
    return it == dot["Labels"].end() ? json("") : *it;
  };
  CHECK(Rows("{{.Names}}={{.Label \"team\"}}", label) == "web=infra\ntmp=\n");
}

TEST_CASE("errors are docker's template parsing errors", "[table]") {
  CHECK(Rows("{{.Names}") ==
        "ERR: template parsing error: template: :1: unexpected \"}\" in operand");
  CHECK(Rows("table {{upper .Nope}}") ==
        "ERR: template parsing error: template: :1:8: executing \"\" at <.Nope>: invalid value; "
        "expected string");
  CHECK(Rows("{{index .Labels 1}}") ==
        "ERR: template parsing error: template: :1:2: executing \"\" at <index .Labels 1>: error "
        "calling index: value has type int; should be string");
  absl::StatusOr<std::string> none = FormatRows("table {{.ID}}", kPsTable, PsHeaders(), {});
  REQUIRE(none.ok());
  CHECK(*none == "CONTAINER ID\n");  // the header even without rows
}

}  // namespace
}  // namespace berth::cli::output
