// The berth CLI's image commands and login/logout against a real berthd:
// listings beside the docker CLI's, tag/rmi, save -> load, import, history,
// inspect, and push/pull through Debian's docker-registry on 127.0.0.1.
#include <algorithm>
#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/registry_server.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

std::vector<std::string> Lines(const std::string& text) {
  return SplitToStrings(text, '\n', /*skip_empty=*/true);
}

// The first line (a table's header) as is, then the others sorted.
std::vector<std::string> HeaderAndSortedRows(const std::string& text) {
  std::vector<std::string> lines = Lines(text);
  if (lines.size() > 1) std::sort(lines.begin() + 1, lines.end());
  return lines;
}

std::string BusyboxId(BerthdFixture& f) {
  return std::string(TrimSpace(f.Berth({"image", "inspect", "-f", "{{.Id}}", "busybox"}).out));
}

TEST_CASE("berth images, tag, rmi, history and image inspect", "[cli][berthd][images]") {
  BerthdFixture f;
  std::string id = BusyboxId(f);
  REQUIRE(id.rfind("sha256:", 0) == 0);

  SpawnResult listed = f.Berth({"images"});
  INFO(listed.err);
  REQUIRE(listed.status.code == 0);
  std::vector<std::string> lines = Lines(listed.out);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::Matches("REPOSITORY +TAG +IMAGE ID +CREATED +SIZE"));
  CHECK_THAT(lines[1], Catch::StartsWith("busybox "));
  CHECK_THAT(lines[1], Catch::Contains(" latest "));
  CHECK_THAT(lines[1], Catch::Contains(" " + id.substr(7, 12) + " "));
  CHECK(f.Berth({"images", "-q"}).out == id.substr(7, 12) + "\n");
  CHECK(f.Berth({"image", "ls", "-q", "--no-trunc"}).out == id + "\n");

  // tag: a second row for the same image, in the listing and by filter.
  REQUIRE(f.Berth({"tag", "busybox", "bb:1"}).status.code == 0);
  REQUIRE(f.Berth({"image", "tag", "busybox:latest", "localhost:5000/x/bb:2"}).status.code == 0);
  SpawnResult tagged = f.Berth({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  std::vector<std::string> rows = Lines(tagged.out);
  std::sort(rows.begin(), rows.end());
  CHECK(rows == std::vector<std::string>{"bb:1 " + id.substr(7, 12),
                                         "busybox:latest " + id.substr(7, 12),
                                         "localhost:5000/x/bb:2 " + id.substr(7, 12)});
  // A reference filter keeps the image's matching tags; berthd also returns
  // its other repositories' digests, shown as <none> rows as docker does.
  CHECK_THAT(f.Berth({"images", "bb", "--format", "{{.Repository}}:{{.Tag}}"}).out,
             Catch::StartsWith("bb:1\n"));
  CHECK_THAT(f.Berth({"image", "list", "-f", "reference=bb:*", "--format", "{{.Tag}}"}).out,
             Catch::StartsWith("1\n"));
  CHECK(f.Berth({"image", "inspect", "-f", "{{.Id}}", "bb:1"}).out == id + "\n");
  nlohmann::json inspected =
      nlohmann::json::parse(f.Berth({"image", "inspect", "bb:1"}).out, nullptr, false);
  REQUIRE(inspected.is_array());
  CHECK(inspected[0]["Id"] == id);

  SpawnResult untagged = f.Berth({"rmi", "bb:1"});
  CHECK(untagged.status.code == 0);
  CHECK(untagged.out == "Untagged: bb:1\n");
  CHECK(f.Berth({"image", "rm", "localhost:5000/x/bb:2"}).out ==
        "Untagged: localhost:5000/x/bb:2\n");
  CHECK(Lines(f.Berth({"images", "-q"}).out).size() == 1);

  SpawnResult bad_tag = f.Berth({"tag", "busybox", "Bad:Tag"});
  CHECK(bad_tag.status.code == 1);
  CHECK_THAT(bad_tag.err, Catch::Contains("is not a valid repository/tag"));

  // history: layers newest first, the columns docker shows.
  SpawnResult history = f.Berth({"history", "busybox"});
  INFO(history.err);
  REQUIRE(history.status.code == 0);
  std::vector<std::string> layers = Lines(history.out);
  REQUIRE(layers.size() >= 2);
  CHECK_THAT(layers[0], Catch::Matches("IMAGE +CREATED +CREATED BY +SIZE +COMMENT"));
  CHECK(Lines(f.Berth({"history", "-q", "busybox"}).out).size() == layers.size() - 1);
  for (const std::string& by :
       Lines(f.Berth({"image", "history", "--format", "{{.CreatedBy}}", "busybox"}).out)) {
    CHECK(by.size() <= 47);  // 45 characters, the last an ellipsis (3 bytes)
  }
  SpawnResult raw = f.Berth({"history", "--human=false", "--format", "{{.Size}}", "busybox"});
  for (const std::string& size : Lines(raw.out)) CHECK(ParseInt64(size).has_value());
}

TEST_CASE("berth image errors: unknown images, bad arguments", "[cli][berthd][images]") {
  BerthdFixture f;
  SpawnResult rmi = f.Berth({"rmi", "nope:1"});
  CHECK(rmi.status.code == 1);
  CHECK_THAT(rmi.err, Catch::StartsWith("Error response from daemon: "));
  CHECK_THAT(rmi.err, Catch::Contains("nope"));
  // --force: an image that is not there is not a failure.
  SpawnResult forced = f.Berth({"rmi", "-f", "nope:1"});
  CHECK(forced.status.code == 0);
  CHECK_THAT(forced.err, Catch::Contains("nope"));

  SpawnResult inspect = f.Berth({"image", "inspect", "busybox", "nope:1"});
  CHECK(inspect.status.code == 1);
  CHECK(nlohmann::json::parse(inspect.out, nullptr, false).size() == 1);
  CHECK_THAT(inspect.err, Catch::Contains("No such image"));

  SpawnResult history = f.Berth({"history", "nope:1"});
  CHECK(history.status.code == 1);
  CHECK_THAT(history.err, Catch::Contains("No such image"));

  SpawnResult tag = f.Berth({"tag", "nope:1", "other:1"});
  CHECK(tag.status.code == 1);
  CHECK_THAT(tag.err, Catch::Contains("No such image"));

  SpawnResult save = f.Berth({"save", "-o", f.Path("none.tar"), "nope:1"});
  CHECK(save.status.code == 1);
  CHECK_THAT(save.err, Catch::StartsWith("Error response from daemon: "));
  CHECK_FALSE(PathExists(f.Path("none.tar")));

  SpawnResult load = f.Berth({"load", "-i", f.Path("missing.tar")});
  CHECK(load.status.code == 1);
  CHECK_THAT(load.err, Catch::Contains("missing.tar"));

  SpawnResult garbage = f.Berth({"load"}, "this is not a tar archive");
  CHECK(garbage.status.code == 1);
  CHECK_FALSE(garbage.err.empty());

  SpawnResult no_args = f.Berth({"pull"});
  CHECK(no_args.status.code == 125);
  SpawnResult all_tags = f.Berth({"pull", "-a", "busybox:latest"});
  CHECK(all_tags.status.code == 1);
  CHECK(all_tags.err == "tag can't be used with --all-tags/-a\n");
  SpawnResult digest_push = f.Berth({"push", "busybox@sha256:" + std::string(64, 'a')});
  CHECK(digest_push.status.code == 1);
  CHECK(digest_push.err == "cannot push a digest reference\n");
  // No registry listens there: the daemon's error, exit 1.
  SpawnResult unreachable = f.Berth({"pull", "127.0.0.1:1/nothing:1"});
  CHECK(unreachable.status.code == 1);
  CHECK_FALSE(unreachable.err.empty());
  // save to a terminal is refused; the test has no terminal to offer.
}

TEST_CASE("berth save and load: a round trip through a file and through pipes",
          "[cli][berthd][images]") {
  BerthdFixture f;
  std::string id = BusyboxId(f);
  REQUIRE(f.Berth({"tag", "busybox", "bb:saved"}).status.code == 0);
  std::string archive = f.Path("bb.tar");
  SpawnResult saved = f.Berth({"save", "-o", archive, "busybox", "bb:saved"});
  INFO(saved.err);
  REQUIRE(saved.status.code == 0);
  CHECK(saved.out.empty());
  absl::StatusOr<std::string> tar = ReadFile(archive);
  REQUIRE(tar.ok());
  REQUIRE(tar->size() > 1024);

  // To stdout (a pipe here): the same archive.
  SpawnResult piped = f.Berth({"image", "save", "busybox", "bb:saved"});
  REQUIRE(piped.status.code == 0);
  CHECK(piped.out.size() == tar->size());

  REQUIRE(f.Berth({"rmi", "busybox", "bb:saved"}).status.code == 0);
  CHECK(f.Berth({"images", "-q"}).out.empty());
  SpawnResult loaded = f.Berth({"load", "-i", archive});
  INFO(loaded.err);
  REQUIRE(loaded.status.code == 0);
  std::vector<std::string> names = Lines(loaded.out);
  std::sort(names.begin(), names.end());
  CHECK(names ==
        std::vector<std::string>{"Loaded image: bb:saved", "Loaded image: busybox:latest"});
  CHECK(BusyboxId(f) == id);

  // From stdin; -q only asks the daemon for no progress (the "Loaded
  // image" lines stay, as with docker).
  REQUIRE(f.Berth({"rmi", "bb:saved"}).status.code == 0);
  SpawnResult quiet = f.Berth({"image", "load", "-q"}, *tar);
  CHECK(quiet.status.code == 0);
  CHECK_THAT(quiet.out, Catch::Contains("Loaded image: bb:saved\n"));
  CHECK(f.Berth({"image", "inspect", "-f", "{{.Id}}", "bb:saved"}).out == id + "\n");
  SpawnResult from_stdin = f.Berth({"load"}, *tar);
  CHECK(from_stdin.status.code == 0);
  CHECK_THAT(from_stdin.out, Catch::Contains("Loaded image: busybox:latest\n"));

  // The loaded image runs.
  SpawnResult ran = f.Berth({"run", "--rm", "--network", "none", "bb:saved", "echo", "loaded"});
  CHECK(ran.out == "loaded\n");
}

TEST_CASE("berth import: a root filesystem tarball becomes an image", "[cli][berthd][images]") {
  BerthdFixture f;
  // busybox's own files, exported from a container's image via save would
  // be layered; a plain tar of one file is enough for a filesystem image.
  REQUIRE(MkdirAll(f.Path("rootfs/etc")).ok());
  REQUIRE(WriteFile(f.Path("rootfs/etc/motd"), "imported\n").ok());
  SpawnOptions tar;
  tar.argv = {"/bin/tar", "-C", f.Path("rootfs"), "-cf", f.Path("rootfs.tar"), "."};
  absl::StatusOr<SpawnResult> made = RunCommand(tar, "", std::chrono::seconds(30), f.Path(""));
  REQUIRE(made.ok());
  REQUIRE(made->status.success());

  SpawnResult imported =
      f.Berth({"import", "-m", "from a tarball", "-c", "ENV A=b", f.Path("rootfs.tar"), "imp:1"});
  INFO(imported.err);
  REQUIRE(imported.status.code == 0);
  CHECK_THAT(imported.out, Catch::Matches("sha256:[0-9a-f]{64}\n"));
  std::string id(TrimSpace(imported.out));
  CHECK(f.Berth({"image", "inspect", "-f", "{{.Id}}", "imp:1"}).out == id + "\n");
  CHECK_THAT(f.Berth({"image", "inspect", "-f", "{{json .Config.Env}}", "imp:1"}).out,
             Catch::Contains("A=b"));

  absl::StatusOr<std::string> bytes = ReadFile(f.Path("rootfs.tar"));
  REQUIRE(bytes.ok());
  SpawnResult from_stdin = f.Berth({"image", "import", "-", "imp:2"}, *bytes);
  CHECK(from_stdin.status.code == 0);
  CHECK_THAT(from_stdin.out, Catch::StartsWith("sha256:"));
  CHECK(f.Berth({"images", "imp", "--format", "{{.Tag}}"}).status.code == 0);

  SpawnResult missing = f.Berth({"import", f.Path("nothing.tar")});
  CHECK(missing.status.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("nothing.tar"));
}

TEST_CASE("berth image prune", "[cli][berthd][images]") {
  BerthdFixture f;
  SpawnResult pruned = f.Berth({"image", "prune", "-f"});
  INFO(pruned.err);
  CHECK(pruned.status.code == 0);
  CHECK(pruned.out == "Total reclaimed space: 0B\n");
  // Asked, and answered no: nothing removed.
  SpawnResult declined = f.Berth({"image", "prune", "-a"}, "n\n");
  CHECK(declined.status.code == 0);
  CHECK_THAT(declined.out, Catch::StartsWith("WARNING! This will remove all images without at "
                                             "least one container associated to them."));
  CHECK(Lines(f.Berth({"images", "-q"}).out).size() == 1);
  // -a: busybox is used by no container, so it goes.
  SpawnResult all = f.Berth({"image", "prune", "-a", "-f"});
  CHECK(all.status.code == 0);
  CHECK_THAT(all.out, Catch::StartsWith("Deleted Images:\n"));
  CHECK_THAT(all.out, Catch::Contains("untagged: busybox:latest\n"));
  CHECK_THAT(all.out, Catch::Contains("Total reclaimed space: "));
  CHECK(f.Berth({"images", "-q"}).out.empty());
}

TEST_CASE("berth and docker print the same image listings and errors",
          "[cli][berthd][images][docker-cli]") {
  if (!HaveDocker()) Skip("the docker CLI is not installed (/usr/local/bin/docker)");
  BerthdFixture f;
  REQUIRE(f.Berth({"tag", "busybox", "bb:1"}).status.code == 0);
  REQUIRE(f.Berth({"tag", "busybox", "127.0.0.1:5000/berth/bb:2"}).status.code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"images", "busybox"},
           {"images", "bb"},
           {"images", "127.0.0.1:5000/berth/bb"},
           {"images", "-q"},
           {"images", "--no-trunc", "busybox"},
           {"images", "--digests", "busybox"},
           {"images", "--format", "{{.Repository}} {{.Tag}} {{.Size}} {{.Containers}}", "busybox"},
           {"images", "--format", "table {{.ID}}\t{{.Repository}}", "bb"},
           {"image", "ls", "--filter", "dangling=true"},
           {"history", "busybox"},
           {"history", "--no-trunc", "busybox"},
           {"history", "-q", "busybox"},
           {"history", "--human=false", "busybox"},
           {"image", "inspect", "-f", "{{.Id}} {{.RepoTags}}", "bb:1"},
           {"image", "inspect", "nope:1"},
           {"rmi", "nope:1"},
           {"rmi", "-f", "nope:1"},
           {"tag", "nope:1", "x:1"},
           {"history", "nope:1"},
           {"pull", "-a", "busybox:latest"},
           {"image", "prune", "-f"},
       }) {
    SpawnResult ours = f.Berth(args);
    SpawnResult theirs = f.Docker(args);
    INFO(Join(args, " "));
    if (args[0] == "images" || args[1] == "ls") {
      // docker groups an image's rows by repository in Go map order
      // (random); berth keeps the daemon's order. Same rows either way.
      CHECK(HeaderAndSortedRows(ours.out) == HeaderAndSortedRows(theirs.out));
    } else {
      CHECK(ours.out == theirs.out);
    }
    CHECK(ours.status.code == theirs.status.code);
    CHECK(ours.err == theirs.err);
  }
  // rmi's lines, one image through each CLI.
  REQUIRE(f.Berth({"tag", "busybox", "bb:3"}).status.code == 0);
  CHECK(f.Berth({"rmi", "bb:1"}).out == "Untagged: bb:1\n");
  CHECK(f.Docker({"rmi", "bb:3"}).out == "Untagged: bb:3\n");
  CHECK(nlohmann::json::parse(f.Berth({"image", "inspect", "busybox"}).out, nullptr, false) ==
        nlohmann::json::parse(f.Docker({"image", "inspect", "busybox"}).out, nullptr, false));
}

TEST_CASE("berth push and pull through a local registry, run pulls what is missing",
          "[cli][berthd][images][registry]") {
  RegistryServer registry;
  BerthdFixture f;
  std::string repo = registry.host() + "/berth/bb";
  std::string ref = repo + ":v1";
  REQUIRE(f.Berth({"tag", "busybox", ref}).status.code == 0);
  SpawnResult pushed = f.Berth({"push", ref});
  INFO(pushed.out << pushed.err);
  REQUIRE(pushed.status.code == 0);
  CHECK_THAT(pushed.out, Catch::Contains("The push refers to repository [" + repo + "]"));
  CHECK_THAT(pushed.out, Catch::Contains("v1: digest: sha256:"));

  // push -q: only the reference; a name alone means :latest.
  REQUIRE(f.Berth({"tag", "busybox", repo}).status.code == 0);
  SpawnResult quiet_push = f.Berth({"push", "-q", repo});
  CHECK(quiet_push.status.code == 0);
  CHECK(quiet_push.out == repo + ":latest\n");

  REQUIRE(f.Berth({"rmi", ref, repo}).status.code == 0);
  SpawnResult pulled = f.Berth({"pull", ref});
  INFO(pulled.out << pulled.err);
  REQUIRE(pulled.status.code == 0);
  CHECK_THAT(pulled.out, Catch::Contains("Status: Downloaded newer image for " + ref + "\n"));
  CHECK_THAT(pulled.out, Catch::Contains("Digest: sha256:"));
  CHECK_THAT(pulled.out, Catch::EndsWith("\n" + ref + "\n"));
  SpawnResult again = f.Berth({"image", "pull", ref});
  CHECK_THAT(again.out, Catch::Contains("Status: Image is up to date for " + ref + "\n"));
  SpawnResult quiet = f.Berth({"pull", "-q", ref});
  CHECK(quiet.status.code == 0);
  CHECK(quiet.out == ref + "\n");
  SpawnResult tagless = f.Berth({"pull", repo});
  CHECK(tagless.status.code == 0);
  CHECK_THAT(tagless.out, Catch::StartsWith("Using default tag: latest\n"));
  CHECK_THAT(tagless.out, Catch::EndsWith("\n" + repo + ":latest\n"));

  SpawnResult missing = f.Berth({"pull", repo + "-nothere:1"});
  CHECK(missing.status.code == 1);
  CHECK_THAT(missing.err, Catch::Contains("nothere"));

  // run: "Unable to find image" on stderr, the pull's progress after it,
  // then the container's output.
  REQUIRE(f.Berth({"rmi", ref, repo}).status.code == 0);
  SpawnResult ran = f.Berth({"run", "--rm", "--network", "none", ref, "echo", "pulled and ran"});
  INFO(ran.err);
  CHECK(ran.status.code == 0);
  CHECK(ran.out == "pulled and ran\n");
  CHECK_THAT(ran.err, Catch::StartsWith("Unable to find image '" + ref + "' locally\n"));
  CHECK_THAT(ran.err, Catch::Contains("Status: Downloaded newer image for " + ref + "\n"));
}

TEST_CASE("berth push and pull with stored credentials, logout",
          "[cli][berthd][images][registry]") {
  RegistryServer registry(/*basic_auth=*/true);
  BerthdFixture f;
  std::string ref = registry.host() + "/berth/private:1";
  REQUIRE(f.Berth({"tag", "busybox", ref}).status.code == 0);
  // No credentials: the registry refuses.
  SpawnResult refused = f.Berth({"push", ref});
  CHECK(refused.status.code == 1);

  // Credentials in config.json, as docker login would leave them: push and
  // pull send them as X-Registry-Auth.
  std::string config_dir = f.Path(".berth");
  REQUIRE(MkdirAll(config_dir, 0700).ok());
  nlohmann::json config = {
      {"auths",
       {{registry.host(),
         {{"auth", "YmVydGg6YmVydGgtc2VjcmV0"}}}}}};  // base64("berth:berth-secret")
  REQUIRE(WriteFile(config_dir + "/config.json", config.dump(), 0600).ok());
  SpawnResult pushed = f.Berth({"push", ref});
  INFO(pushed.out << pushed.err);
  CHECK(pushed.status.code == 0);
  REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
  SpawnResult pulled = f.Berth({"pull", ref});
  INFO(pulled.out << pulled.err);
  CHECK(pulled.status.code == 0);

  // logout: the entry is gone, and pulls are refused again.
  SpawnResult out = f.Berth({"logout", registry.host()});
  CHECK(out.status.code == 0);
  CHECK(out.out == "Removing login credentials for " + registry.host() + "\n");
  absl::StatusOr<std::string> after = ReadFile(config_dir + "/config.json");
  REQUIRE(after.ok());
  CHECK(after->find(registry.host()) == std::string::npos);
  REQUIRE(f.Berth({"rmi", ref}).status.code == 0);
  CHECK(f.Berth({"pull", ref}).status.code == 1);

  // Flag checks, before any request.
  SpawnResult conflicting =
      f.Berth({"login", "-u", "berth", "-p", "x", "--password-stdin", registry.host()});
  CHECK(conflicting.status.code == 1);
  CHECK_THAT(conflicting.err,
             Catch::Contains("cannot specify both --password and --password-stdin"));
  SpawnResult no_user = f.Berth({"login", "--password-stdin", registry.host()}, "x\n");
  CHECK(no_user.status.code == 1);
  CHECK_THAT(no_user.err, Catch::Contains("the --password-stdin option requires --username"));
  SpawnResult no_tty = f.Berth({"login", registry.host()});
  CHECK(no_tty.status.code == 1);
  CHECK_THAT(no_tty.err, Catch::Contains("Cannot perform an interactive login from a non TTY"));
}

TEST_CASE("berth login: the daemon checks the credentials, then they are stored",
          "[cli][berthd][images][registry]") {
  RegistryServer registry(/*basic_auth=*/true);
  BerthdFixture f;
  std::string ref = registry.host() + "/berth/private:1";
  std::string config_dir = f.Path(".berth");
  REQUIRE(f.Berth({"tag", "busybox", ref}).status.code == 0);
  // login: the daemon checks the credentials (POST /auth); on success they
  // are stored in config.json with docker's warning.
  SpawnResult wrong =
      f.Berth({"login", "-u", kRegistryUser, "--password-stdin", registry.host()}, "wrong\n");
  CHECK(wrong.status.code == 1);
  CHECK_THAT(wrong.err, Catch::Contains("unauthorized"));
  SpawnResult login = f.Berth({"login", "-u", kRegistryUser, "--password-stdin", registry.host()},
                              std::string(kRegistryPassword) + "\n");
  INFO(login.out << login.err);
  CHECK(login.status.code == 0);
  CHECK(login.out == "Login Succeeded\n");
  CHECK_THAT(login.err, Catch::Contains("WARNING! Your credentials are stored unencrypted in '" +
                                        config_dir + "/config.json'."));
  CHECK(f.Berth({"push", ref}).status.code == 0);
  SpawnResult again = f.Berth({"login", registry.host()});  // the stored credentials
  CHECK(again.status.code == 0);
  CHECK_THAT(again.err,
             Catch::StartsWith("Authenticating with existing credentials... [Username: berth]"));
}

}  // namespace
}  // namespace berth::testing
