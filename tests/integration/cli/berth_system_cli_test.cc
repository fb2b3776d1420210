// The berth CLI's volume, system, context, stats, top and completion
// commands against a real berthd, beside the docker CLI where installed.
#include <catch2/catch.hpp>
#include <thread>

#include "common/file_util.h"
#include "common/strings.h"
#include "tests/integration/engined/api/berthd_fixture.h"
#include "tests/testutil/child_reaper.h"
#include "tests/testutil/test_env.h"

namespace berth::testing {
namespace {

bool HaveDocker() { return !BerthdFixture::DockerCli().empty(); }

// berth without BERTH_HOST, so the config's current context decides.
SpawnResult BerthNoHost(BerthdFixture& f, const std::vector<std::string>& args) {
  SpawnOptions spawn;
  spawn.argv = {BinaryPath("berth")};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.env = std::vector<std::string>{"HOME=" + f.Path(""), "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  absl::StatusOr<SpawnResult> r = RunCommand(spawn, "", std::chrono::seconds(60), f.Path(""));
  REQUIRE(r.ok());
  return *r;
}

// berth ARGS stopped by timeout(1) after `seconds` (streaming commands).
SpawnResult BerthFor(BerthdFixture& f, int seconds, const std::vector<std::string>& args) {
  SpawnOptions spawn;
  spawn.argv = {"/usr/bin/timeout", std::to_string(seconds), BinaryPath("berth")};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  spawn.env = std::vector<std::string>{"BERTH_HOST=unix://" + f.socket(), "HOME=" + f.Path(""),
                                       "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  absl::StatusOr<SpawnResult> r =
      RunCommand(spawn, "", std::chrono::seconds(seconds + 30), f.Path(""));
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> Lines(const std::string& text) {
  return SplitToStrings(text, '\n', /*skip_empty=*/true);
}

TEST_CASE("berth volume: create, ls, inspect, rm, prune", "[cli][berthd][volume]") {
  BerthdFixture f;
  SpawnResult named = f.Berth({"volume", "create", "--label", "tier=db", "-o", "type=tmpfs", "-o",
                               "device=tmpfs", "data2"});
  INFO(named.err);
  REQUIRE(named.status.code == 0);
  CHECK(named.out == "data2\n");
  SpawnResult anonymous = f.Berth({"volume", "create"});
  REQUIRE(anonymous.status.code == 0);
  std::string anon(TrimSpace(anonymous.out));
  CHECK(anon.size() == 64);
  REQUIRE(f.Berth({"volume", "create", "data10"}).status.code == 0);

  // docker's natural order: data2 before data10. Where the anonymous one
  // goes depends on its random name ("0f..." first, "ef..." last).
  SpawnResult ls = f.Berth({"volume", "ls"});
  std::string anon_line = "local     " + anon + "\n";
  CHECK_THAT(ls.out, Catch::Contains(anon_line));
  std::string named_only = ls.out;
  if (size_t at = named_only.find(anon_line); at != std::string::npos) {
    named_only.erase(at, anon_line.size());
  }
  CHECK(named_only == "DRIVER    VOLUME NAME\nlocal     data2\nlocal     data10\n");
  CHECK(f.Berth({"volume", "ls", "-q", "--filter", "label=tier=db"}).out == "data2\n");
  CHECK(f.Berth({"volume", "list", "--format", "{{.Name}}:{{.Label \"tier\"}}", "-f", "name=data2"})
            .out == "data2:db\n");

  CHECK(
      f.Berth({"volume", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels.tier}}", "data2"}).out ==
      "data2 local db\n");
  nlohmann::json inspected =
      nlohmann::json::parse(f.Berth({"volume", "inspect", "data10"}).out, nullptr, false);
  REQUIRE(inspected.is_array());
  CHECK(inspected[0]["Name"] == "data10");
  SpawnResult missing = f.Berth({"volume", "inspect", "nope"});
  CHECK(missing.status.code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("Error response from daemon: "));

  // In use: refused without -f.
  f.Run({{"Image", "busybox"},
         {"Cmd", {"sleep", "300"}},
         {"HostConfig", {{"NetworkMode", "none"}, {"Binds", {"data10:/data"}}}}},
        "user");
  SpawnResult busy = f.Berth({"volume", "rm", "data10"});
  CHECK(busy.status.code == 1);
  CHECK_THAT(busy.err, Catch::StartsWith("Error response from daemon: "));

  // prune asks first; "n" keeps everything.
  SpawnResult declined = f.Berth({"volume", "prune"}, "n\n");
  CHECK(declined.status.code == 0);
  CHECK_THAT(declined.out, Catch::Contains("Are you sure you want to continue? [y/N]"));
  CHECK(Lines(f.Berth({"volume", "ls", "-q"}).out).size() == 3);
  // Without -a only anonymous volumes go.
  SpawnResult pruned = f.Berth({"volume", "prune", "-f"});
  CHECK(pruned.status.code == 0);
  CHECK(pruned.out.rfind("Deleted Volumes:\n" + anon + "\n\nTotal reclaimed space: ", 0) == 0);
  SpawnResult all = f.Berth({"volume", "prune", "-a", "-f"});
  CHECK_THAT(all.out, Catch::Contains("data2\n"));
  CHECK_THAT(all.out, !Catch::Contains("data10"));  // still used
  CHECK(f.Berth({"rm", "-f", "user"}).status.code == 0);
  CHECK(f.Berth({"volume", "rm", "data10"}).out == "data10\n");
  CHECK(f.Berth({"volume", "ls", "-q"}).out.empty());
}

TEST_CASE("berth volume ls prints what docker prints", "[cli][berthd][volume][docker-cli]") {
  if (!HaveDocker()) Skip("the docker CLI is not installed (/usr/local/bin/docker)");
  BerthdFixture f;
  for (const char* name : {"b10", "b9", "a1"}) {
    REQUIRE(f.Berth({"volume", "create", "--label", "k=v", name}).status.code == 0);
  }
  REQUIRE(f.Berth({"volume", "create"}).status.code == 0);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"volume", "ls"},
           {"volume", "ls", "-q"},
           {"volume", "ls", "--format", "table {{.Name}}\t{{.Driver}}\t{{.Labels}}"},
           {"volume", "ls", "--format", "{{json .Name}} {{.Label \"k\"}}"},
           {"volume", "inspect", "--format", "{{.Name}} {{.Driver}} {{.Scope}}", "a1", "b9"},
           {"volume", "inspect", "nothing-here"},
           {"volume", "rm", "nothing-here"},
       }) {
    SpawnResult ours = f.Berth(args);
    SpawnResult theirs = f.Docker(args);
    INFO(Join(args, " "));
    CHECK(ours.out == theirs.out);
    CHECK(ours.err == theirs.err);
    CHECK(ours.status.code == theirs.status.code);
  }
}

TEST_CASE("berth version, info and system df show the server", "[cli][berthd][system]") {
  BerthdFixture f;
  SpawnResult version = f.Berth({"version"});
  INFO(version.err);
  REQUIRE(version.status.code == 0);
  CHECK(version.out.rfind("Client:\n Version:           ", 0) == 0);
  CHECK_THAT(version.out, Catch::Contains("\n API version:       1.4"));
  CHECK_THAT(version.out, Catch::Contains("\n Context:           default\n"));
  CHECK_THAT(version.out, Catch::Contains("\nServer: "));
  CHECK_THAT(version.out, Catch::Contains("\n Engine:\n  Version:          "));
  CHECK(f.Berth({"version", "--format", "{{.Server.Version}}"}).out ==
        f.Get("/version").Json()["Version"].get<std::string>() + "\n");
  nlohmann::json doc =
      nlohmann::json::parse(f.Berth({"version", "-f", "json"}).out, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["Client"]["Context"] == "default");
  CHECK(doc["Server"]["Components"][0]["Name"] == "Engine");
  CHECK(f.Berth({"system", "version", "-f", "{{.Client.Os}}"}).out == "linux\n");

  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "up", "busybox", "sleep", "300"})
              .status.code == 0);
  SpawnResult info = f.Berth({"info"});
  INFO(info.err);
  REQUIRE(info.status.code == 0);
  CHECK(info.out.rfind("Client:\n Version:    ", 0) == 0);
  CHECK_THAT(info.out, Catch::Contains("\nServer:\n Containers: 1\n  Running: 1\n  Paused: 0\n"
                                       "  Stopped: 0\n Images: "));
  CHECK_THAT(info.out, Catch::Contains("\n Storage Driver: "));
  CHECK_THAT(info.out, Catch::Contains("\n Total Memory: "));
  CHECK_THAT(info.out, Catch::Contains("\n Docker Root Dir: " + f.Path("data") + "\n"));
  CHECK_THAT(info.out, Catch::Contains("\n Live Restore Enabled: "));
  CHECK(f.Berth({"system", "info", "--format", "{{.ContainersRunning}} {{.ClientInfo.Context}}"})
            .out == "1 default\n");

  SpawnResult df = f.Berth({"system", "df"});
  REQUIRE(df.status.code == 0);
  std::vector<std::string> rows = Lines(df.out);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].rfind("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE", 0) == 0);
  CHECK(rows[1].rfind("Images          1         1         ", 0) == 0);
  CHECK(rows[2].rfind("Containers      1         1         ", 0) == 0);
  CHECK(rows[3].rfind("Local Volumes   ", 0) == 0);
  CHECK(rows[4].rfind("Build Cache     0         0         0B        0B", 0) == 0);
  CHECK(f.Berth({"system", "df", "--format", "{{.Type}}={{.TotalCount}}"}).out ==
        "Images=1\nContainers=1\nLocal Volumes=0\nBuild Cache=0\n");
  SpawnResult verbose = f.Berth({"system", "df", "-v"});
  CHECK_THAT(verbose.out, Catch::Contains("Images space usage:\n\nREPOSITORY"));
  CHECK_THAT(verbose.out, Catch::Contains("\nContainers space usage:\n\nCONTAINER ID"));
  if (HaveDocker()) {
    CHECK(df.out == f.Docker({"system", "df"}).out);
    CHECK(version.out.substr(version.out.find("\nServer: ")) == [&] {
      std::string theirs = f.Docker({"version"}).out;
      return theirs.substr(theirs.find("\nServer: "));
    }());
  }

  // A daemon that cannot be reached: the client's part, then the error.
  SpawnResult down = f.Berth({"-H", "unix://" + f.Path("nowhere.sock"), "version"});
  CHECK(down.status.code == 1);
  CHECK(down.out.rfind("Client:\n", 0) == 0);
  CHECK_THAT(down.err, Catch::Contains("Cannot connect"));
}

TEST_CASE("berth events: a container's start and die, --since/--until", "[cli][berthd][system]") {
  BerthdFixture f;
  SpawnResult run = f.Berth({"run", "--network", "none", "--name", "blink", "busybox", "true"});
  REQUIRE(run.status.code == 0);
  std::string id(TrimSpace(f.Berth({"ps", "-aq", "--no-trunc"}).out));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // --until is whole seconds
  SpawnResult events =
      f.Berth({"events", "--since", "5m", "--until", "0s"}, "", std::chrono::seconds(20));
  INFO(events.err);
  REQUIRE(events.status.code == 0);
  CHECK_THAT(events.out,
             Catch::Contains(" container start " + id + " (image=busybox, name=blink)\n"));
  CHECK_THAT(events.out, Catch::Contains(" container die " + id +
                                         " (exitCode=0, image=busybox, "
                                         "name=blink)\n"));
  // docker's timestamp layout: 2026-12-02T18:40:49.123456789Z
  std::string first = Lines(events.out).at(0);
  CHECK(first.size() > 31);
  CHECK(first[10] == 'T');
  CHECK(first[19] == '.');
  SpawnResult filtered =
      f.Berth({"system", "events", "--since", "5m", "--until", "0s", "-f", "event=die", "--format",
               "{{.Action}} {{.Actor.Attributes.name}}"});
  CHECK(filtered.out == "die blink\n");
  if (HaveDocker()) {
    CHECK(events.out == f.Docker({"events", "--since", "5m", "--until", "0s"}).out);
  }
  SpawnResult bad = f.Berth({"events", "--since", "yesterday"});
  CHECK(bad.status.code == 1);
  CHECK(bad.err == "failed to parse value as time or duration: \"yesterday\"\n");
}

TEST_CASE("berth context: create, -c, use, rm", "[cli][berthd][context]") {
  BerthdFixture f;
  SpawnResult created = f.Berth({"context", "create", "here", "--description", "the test daemon",
                                 "--docker", "host=unix://" + f.socket()});
  INFO(created.err);
  REQUIRE(created.status.code == 0);
  CHECK(created.out == "here\n");
  CHECK(created.err == "Successfully created context \"here\"\n");
  SpawnResult dup = f.Berth({"context", "create", "here", "--docker", "host=unix:///x"});
  CHECK(dup.status.code == 1);
  CHECK(dup.err == "context \"here\" already exists\n");

  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "seen", "busybox", "sleep", "300"})
              .status.code == 0);
  // -c reaches the context's host even without BERTH_HOST.
  CHECK(BerthNoHost(f, {"-c", "here", "ps", "--format", "{{.Names}}"}).out == "seen\n");
  SpawnResult nowhere = BerthNoHost(f, {"-c", "missing", "ps"});
  CHECK(nowhere.status.code == 1);
  CHECK_THAT(nowhere.err, Catch::Contains("missing"));

  SpawnResult ls = BerthNoHost(f, {"context", "ls"});
  std::vector<std::string> rows = Lines(ls.out);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].rfind("NAME", 0) == 0);
  CHECK(rows[1].rfind("default *", 0) == 0);
  CHECK(rows[2].rfind("here ", 0) == 0);
  CHECK_THAT(rows[2], Catch::Contains("the test daemon"));
  CHECK_THAT(rows[2], Catch::Contains("unix://" + f.socket()));
  CHECK(BerthNoHost(f, {"context", "ls", "-q"}).out == "default\nhere\n");
  CHECK(BerthNoHost(f, {"context", "inspect", "-f", "{{.Endpoints.docker.Host}}", "here"}).out ==
        "unix://" + f.socket() + "\n");

  SpawnResult use = BerthNoHost(f, {"context", "use", "here"});
  CHECK(use.out == "here\n");
  CHECK(use.err == "Current context is now \"here\"\n");
  CHECK(BerthNoHost(f, {"context", "show"}).out == "here\n");
  CHECK(BerthNoHost(f, {"ps", "--format", "{{.Names}}"}).out == "seen\n");
  CHECK(BerthNoHost(f, {"context", "ls", "-q"}).out == "default\nhere\n");
  CHECK(BerthNoHost(f, {"version", "-f", "{{.Client.Context}}"}).out == "here\n");
  // BERTH_HOST wins over the current context, as DOCKER_HOST does.
  CHECK(f.Berth({"context", "show"}).out == "default\n");

  SpawnResult in_use = BerthNoHost(f, {"context", "rm", "here"});
  CHECK(in_use.status.code == 1);
  CHECK(in_use.err == "context \"here\" is in use, set -f flag to force remove\n");
  CHECK(BerthNoHost(f, {"context", "rm", "-f", "here"}).out == "here\n");
  CHECK(BerthNoHost(f, {"context", "show"}).out == "default\n");
  SpawnResult default_rm = BerthNoHost(f, {"context", "rm", "default"});
  CHECK(default_rm.status.code == 1);
  CHECK_THAT(default_rm.err, Catch::Contains("\"default\" cannot be removed"));
}

TEST_CASE("berth stats --no-stream and top for a running container", "[cli][berthd][stats]") {
  BerthdFixture f;
  REQUIRE(f.Berth({"run", "-d", "--network", "none", "--name", "busy", "busybox", "sleep", "300"})
              .status.code == 0);
  std::string id(TrimSpace(f.Berth({"ps", "-q"}).out));
  SpawnResult stats = f.Berth({"stats", "--no-stream"});
  INFO(stats.err);
  REQUIRE(stats.status.code == 0);
  std::vector<std::string> rows = Lines(stats.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] ==
        "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   "
        "PIDS");
  CHECK(rows[1].rfind(id + "   busy      ", 0) == 0);
  CHECK_THAT(rows[1], Catch::Contains("iB / "));
  CHECK(rows[1].substr(rows[1].size() - 1) == "1");  // one process
  CHECK(f.Berth({"stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "busy"}).out ==
        "busy 1\n");
  SpawnResult missing = f.Berth({"stats", "--no-stream", "nope"});
  CHECK(missing.status.code == 1);
  CHECK(missing.err == "Error response from daemon: No such container: nope\n");
  // Streaming to a pipe: whole tables, again and again.
  SpawnResult streamed = BerthFor(f, 3, {"stats", "busy"});
  CHECK(streamed.status.code == 124);
  CHECK(Lines(streamed.out).size() >= 4);
  CHECK(streamed.out.find('\033') == std::string::npos);
  // Samples arrive while the stream is open (the client must hand over each
  // chunk as it comes, not wait for 64 KiB).
  CHECK_THAT(streamed.out, Catch::Contains(id + "   busy      "));

  SpawnResult top = f.Berth({"top", "busy"});
  REQUIRE(top.status.code == 0);
  rows = Lines(top.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].rfind("UID                 PID                 PPID", 0) == 0);
  CHECK_THAT(rows[1], Catch::EndsWith("sleep 300"));
  rows = Lines(f.Berth({"top", "busy", "-o", "pid,comm"}).out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == "PID                 COMMAND");
  CHECK_THAT(rows[1], Catch::EndsWith("   sleep"));
  // ps output without a PID column: the daemon's error, as docker's.
  SpawnResult no_pid = f.Berth({"top", "busy", "-o", "comm"});
  CHECK(no_pid.status.code == 1);
  CHECK_THAT(no_pid.err, Catch::StartsWith("Error response from daemon: "));
  if (HaveDocker()) {
    CHECK(f.Berth({"top", "busy"}).out == f.Docker({"top", "busy"}).out);
    CHECK(f.Berth({"stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"}).out ==
          f.Docker({"stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"}).out);
  }
  SpawnResult stopped = f.Berth({"top", "nope"});
  CHECK(stopped.status.code == 1);
}

TEST_CASE("berth system prune and completion", "[cli][berthd][system]") {
  BerthdFixture f;
  REQUIRE(
      f.Berth({"create", "--network", "none", "--name", "idle", "busybox", "true"}).status.code ==
      0);
  SpawnResult asked = f.Berth({"system", "prune"}, "n\n");
  CHECK(asked.status.code == 0);
  CHECK(asked.out ==
        "WARNING! This will remove:\n"
        "  - all stopped containers\n"
        "  - all networks not used by at least one container\n"
        "  - all dangling images\n"
        "  - unused build cache\n"
        "\n"
        "Are you sure you want to continue? [y/N] ");
  CHECK(f.Berth({"ps", "-aq"}).out.size() == 13);
  SpawnResult pruned = f.Berth({"system", "prune", "-f", "--volumes"});
  INFO(pruned.err);
  CHECK(pruned.status.code == 0);
  CHECK(pruned.out.rfind("Deleted Containers:\n", 0) == 0);
  CHECK_THAT(pruned.out, Catch::Contains("\nTotal reclaimed space: "));
  CHECK(f.Berth({"ps", "-aq"}).out.empty());

  SpawnResult bash = f.Berth({"completion", "bash"});
  REQUIRE(bash.status.code == 0);
  CHECK_THAT(bash.out, Catch::Contains("complete -o default -F _berth berth"));
  CHECK_THAT(bash.out, Catch::Contains(" run "));
  CHECK_THAT(bash.out, Catch::Contains("'volume ls'"));
  SpawnResult zsh = f.Berth({"completion", "zsh"});
  CHECK(zsh.out.rfind("#compdef berth", 0) == 0);
  CHECK(f.Berth({"completion", "fish"}).status.code == 125);
  // The script completes in bash.
  std::string script = f.Path("completion.bash");
  REQUIRE(WriteFile(script, bash.out).ok());
  SpawnOptions spawn;
  spawn.argv = {"/bin/bash", "-c",
                "source " + script +
                    "; COMP_WORDS=(berth volu); COMP_CWORD=1; _berth; echo \"${COMPREPLY[*]}\";"
                    " COMP_WORDS=(berth volume ls --fo); COMP_CWORD=3; _berth;"
                    " echo \"${COMPREPLY[*]}\""};
  absl::StatusOr<SpawnResult> completed =
      RunCommand(spawn, "", std::chrono::seconds(20), f.Path(""));
  REQUIRE(completed.ok());
  CHECK(completed->out == "volume\n--format\n");
}

}  // namespace
}  // namespace berth::testing
