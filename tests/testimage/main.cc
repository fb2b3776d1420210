#include "tests/testimage/cli.h"

int main(int argc, char** argv) { return berth::testimage::RunCli(argc, argv); }
