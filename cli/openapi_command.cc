// `btrouter openapi`: prints the OpenAPI 3.1 document that `btrouter serve` answers at
// /openapi.json, without starting a server (scripts/test lints it with tools/apilint/run).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/flags.h"
#include "router/http/handlers.h"
#include "router/http/openapi.h"

namespace btr::cli {

int RunOpenApiCommand(int argc, char** argv) {
  Flags f;
  f.AddValue("out", "FILE", "write the document to FILE instead of stdout");
  f.AddSwitch("help", "show this help");
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) {
    std::fprintf(stderr, "btrouter openapi: %s\n", s.message().c_str());
    return 2;
  }
  if (f.Has("help")) {
    std::printf(
        "usage: btrouter openapi [--out FILE]\n"
        "Prints the OpenAPI 3.1 document of the REST API (the one served at /openapi.json).\n%s",
        f.Usage().c_str());
    return 0;
  }
  // The document is generated from the route table alone. The handlers capture `deps` but
  // none runs here, so a table built over empty dependencies describes exactly the routes a
  // server built over real ones serves.
  const std::vector<ApiRoute> routes = BuildRoutes(ApiDeps{});
  const std::string text = OpenApiDocument(routes).dump(2) + "\n";
  if (!f.Has("out")) {
    std::cout << text;
    return std::cout.good() ? 0 : 1;
  }
  std::ofstream out(f.Get("out"), std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.good()) {
    std::fprintf(stderr, "btrouter openapi: --out: cannot write %s\n", f.Get("out").c_str());
    return 1;
  }
  return 0;
}

}  // namespace btr::cli
