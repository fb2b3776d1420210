#include "cli/commands/command_separator.h"

#include <catch2/catch.hpp>

namespace berth::cli {
namespace {

// A command line shaped like berth's: global -H, run with flags and values.
struct Line {
  CLI::App app;
  std::string host, name, network;
  std::vector<std::string> env, rest;
  bool detach = false, tty = false, interactive = false;
  Line() {
    app.set_help_flag("--help");
    app.add_option("-H,--host", host);
    CLI::App* container = app.add_subcommand("container");
    app.add_subcommand("other")->add_subcommand("run");
    for (CLI::App* parent : {&app, container}) {
      CLI::App* run = parent->add_subcommand("run");
      run->add_option("--name", name);
      run->add_option("--network", network);
      run->add_option("-e,--env", env)->allow_extra_args(false);  // as OneValuePerFlag does
      run->add_flag("-d", detach);
      run->add_flag("-t", tty);
      run->add_flag("-i", interactive);
      run->add_option("rest", rest);
      parent->add_subcommand("ps");
    }
  }
};

std::vector<std::string> Separated(std::vector<std::string> args) {
  Line line;
  InsertCommandSeparator(line.app, args);
  return args;
}

using V = std::vector<std::string>;

TEST_CASE("the separator goes in front of run's image", "[cli][separator]") {
  CHECK(Separated({"run", "busybox", "sh", "-c", "x"}) ==
        V{"run", "--", "busybox", "sh", "-c", "x"});
  CHECK(
      Separated({"-H", "unix:///s", "run", "-d", "--name", "web", "-e", "A=1", "busybox", "-d"}) ==
      V{"-H", "unix:///s", "run", "-d", "--name", "web", "-e", "A=1", "--", "busybox", "-d"});
  // Inline values and clusters of short flags.
  CHECK(Separated({"run", "--network=none", "-it", "-eA=1", "busybox"}) ==
        V{"run", "--network=none", "-it", "-eA=1", "--", "busybox"});
  CHECK(Separated({"run", "-ie", "A=1", "busybox"}) == V{"run", "-ie", "A=1", "--", "busybox"});
  // Under the management group too.
  CHECK(Separated({"container", "run", "-d", "busybox", "ls"}) ==
        V{"container", "run", "-d", "--", "busybox", "ls"});
}

TEST_CASE("the separator is left out where it does not belong", "[cli][separator]") {
  CHECK(Separated({"ps", "-a"}) == V{"ps", "-a"});
  CHECK(Separated({"run", "-d"}) == V{"run", "-d"});                        // no image yet
  CHECK(Separated({"run", "--", "busybox"}) == V{"run", "--", "busybox"});  // already there
  CHECK(Separated({"nosuch", "busybox"}) == V{"nosuch", "busybox"});
  // Another group's "run" is not a container's.
  CHECK(Separated({"other", "run", "x", "--flag"}) == V{"other", "run", "x", "--flag"});
}

TEST_CASE("with the separator, CLI11 gives run the whole command", "[cli][separator]") {
  Line line;
  std::vector<std::string> args = {"run", "-d", "-e", "A=1", "busybox", "sh", "-c", "-d", "--name"};
  InsertCommandSeparator(line.app, args);
  std::reverse(args.begin(), args.end());
  line.app.parse(args);
  CHECK(line.detach);
  CHECK(line.env == V{"A=1"});
  CHECK(line.name.empty());
  CHECK(line.rest == V{"busybox", "sh", "-c", "-d", "--name"});
}

}  // namespace
}  // namespace berth::cli
