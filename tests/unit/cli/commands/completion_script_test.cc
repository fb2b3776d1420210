#include "cli/commands/completion_script.h"

#include <catch2/catch.hpp>

namespace berth::cli {
namespace {

const CompletionNode* Find(const std::vector<CompletionNode>& tree, const std::string& path) {
  for (const CompletionNode& n : tree) {
    if (n.path == path) return &n;
  }
  return nullptr;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_CASE("completion: the tree follows the CLI11 commands", "[cli][completion]") {
  CLI::App app("test", "berth");
  std::string host, format;
  bool all = false;
  app.add_option("-H,--host", host, "host");
  CLI::App* ps = app.add_subcommand("ps", "List containers");
  ps->add_flag("-a,--all", all, "all");
  ps->add_option("--format", format, "format");
  CLI::App* volume = app.add_subcommand("volume", "Manage volumes");
  CLI::App* ls = volume->add_subcommand("ls", "List volumes");
  ls->alias("list");
  ls->add_option("--secret", format, "hidden")->group("");
  app.add_subcommand("hidden", "not shown")->group("");

  std::vector<CompletionNode> tree = CompletionTree(app);
  const CompletionNode* root = Find(tree, "");
  REQUIRE(root != nullptr);
  CHECK(Has(root->subcommands, "ps"));
  CHECK(Has(root->subcommands, "volume"));
  CHECK_FALSE(Has(root->subcommands, "hidden"));
  CHECK(Has(root->value_flags, "-H"));
  CHECK(Has(root->value_flags, "--host"));
  const CompletionNode* ps_node = Find(tree, "ps");
  REQUIRE(ps_node != nullptr);
  CHECK(Has(ps_node->flags, "--all"));
  CHECK(Has(ps_node->flags, "-a"));
  CHECK_FALSE(Has(ps_node->value_flags, "--all"));
  CHECK(Has(ps_node->value_flags, "--format"));
  const CompletionNode* vol = Find(tree, "volume");
  REQUIRE(vol != nullptr);
  CHECK(Has(vol->subcommands, "ls"));
  CHECK(Has(vol->subcommands, "list"));
  REQUIRE(Find(tree, "volume ls") != nullptr);
  REQUIRE(Find(tree, "volume list") != nullptr);
  CHECK_FALSE(Has(Find(tree, "volume ls")->flags, "--secret"));

  std::string bash = BashCompletionScript(app, "berth");
  CHECK_THAT(bash, Catch::Contains("complete -o default -F _berth berth"));
  CHECK_THAT(bash, Catch::Contains("'volume') echo 'ls list' ;;"));
  CHECK_THAT(bash, Catch::Contains("__berth_flags"));
  CHECK_THAT(bash, Catch::Contains("'volume ls'"));
  CHECK_THAT(ZshCompletionScript(app, "berth"), Catch::StartsWith("#compdef berth"));
}

}  // namespace
}  // namespace berth::cli
