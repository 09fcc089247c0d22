// `btrouter qc-credentials KEY`: the QuantConnect user id and API token of a btrouter key, for
// lean-cli (`lean login -u <user id> -t <api token>`) against btrouter's /api/v2
// (services/auth/qc_keys.h).
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/cli.h"
#include "services/auth/qc_keys.h"

namespace btr::cli {

int RunQcCredentialsCommand(int argc, char** argv) {
  const bool help =
      argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
  if (help || argc != 2) {
    std::printf(
        "usage: btrouter qc-credentials KEY\n"
        "Prints the QuantConnect user id and API token of a btrouter key (btr_...), for clients\n"
        "of btrouter's QuantConnect-compatible API (server.qc_listen), e.g.\n"
        "  lean login -u <user id> -t <api token>   (then QC_API=local lean cloud ...)\n");
    return help ? 0 : 2;
  }
  Result<QcKeyCredentials> credentials = QcCredentialsForKey(argv[1]);
  if (!credentials.ok()) {
    std::fprintf(stderr, "btrouter qc-credentials: %s\n", credentials.status().message().c_str());
    return 2;
  }
  std::printf("user id: %s\napi token: %s\n", credentials->user_id.c_str(),
              credentials->api_token.c_str());
  return 0;
}

}  // namespace btr::cli
