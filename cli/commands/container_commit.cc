// berth commit: a container's changes as a new image (docker commit).
#include "cli/commands/command.h"
#include "cli/commands/container_commands.h"
#include "common/reference.h"
#include "common/status.h"

namespace berth::cli {
namespace {

struct CommitOptions {
  std::string container;
  std::string reference;  // REPOSITORY[:TAG]
  std::string author;
  std::vector<std::string> changes;
  std::string message;
  bool pause = true;
};

int Commit(CommitOptions& o, Cli& cli) {
  client::Query query = {{"container", o.container}};
  // As docker's client: the reference split into repo and tag (latest by
  // default), refused with a digest.
  if (!o.reference.empty()) {
    absl::StatusOr<Reference> ref = Reference::Parse(o.reference);
    if (!ref.ok()) return cli.Fail(ref.status());
    if (!ref->digest.empty()) {
      return cli.Fail(
          absl::InvalidArgumentError("refusing to create a tag with a digest reference"));
    }
    std::string familiar = ref->Familiar();
    query.emplace_back("repo", familiar.substr(0, familiar.rfind(':')));
    query.emplace_back("tag", ref->tag);
  }
  query.emplace_back("comment", o.message);
  query.emplace_back("author", o.author);
  for (const std::string& change : o.changes) query.emplace_back("changes", change);
  if (!o.pause) query.emplace_back("pause", "0");
  absl::StatusOr<client::EngineClient*> api = cli.Client();
  if (!api.ok()) return cli.Fail(api.status());
  absl::StatusOr<nlohmann::json> created =
      (*api)->DoJson({.method = "POST", .path = "/commit", .query = query});
  if (!created.ok()) return cli.Fail(created.status());
  std::fprintf(cli.out(), "%s\n", created->value("Id", "").c_str());
  return 0;
}

}  // namespace

CLI::App* AddCommitCommand(CLI::App& parent, Cli& cli) {
  auto o = std::make_shared<CommitOptions>();
  CLI::App* sub = AddCommand<CommitOptions>(
      parent, cli, "commit", "Create a new image from a container's changes", o, Commit);
  if (!cli.Builds(*sub)) return sub;  // flags only for the command that runs
  sub->add_option("container", o->container, "Container")->required();
  sub->add_option("reference", o->reference, "REPOSITORY[:TAG]");
  sub->add_option("-a,--author", o->author,
                  "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
  sub->add_option("-c,--change", o->changes, "Apply Dockerfile instruction to the created image");
  sub->add_option("-m,--message", o->message, "Commit message");
  sub->add_flag("-p,--pause", o->pause, "Pause container during commit")->capture_default_str();
  return sub;
}

}  // namespace berth::cli
