// The `ink` command-line client; everything is in src/cli.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) { return ink::cli::run(argc, argv, std::cout, std::cerr); }
