#include "cli/cli.h"

int main(int argc, char** argv) { return btr::cli::Main(argc, argv); }
