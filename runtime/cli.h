// berth-runtime's command line: runc's global flags, subcommands and flags.
#pragma once

namespace berth::runtime {

int RunCli(int argc, char** argv);

}  // namespace berth::runtime
