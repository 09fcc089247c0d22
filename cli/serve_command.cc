// `btrouter serve` and `btrouter keys`.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "cli/cli.h"
#include "cli/flags.h"
#include "engines/core/clock.h"
#include "router/app/core_parts.h"
#include "router/app/server_app.h"
#include "router/app/worker_app.h"
#include "services/auth/api_keys.h"
#include "services/config/config.h"

namespace btr::cli {
namespace {

int Fail(std::string_view command, const Status& s) {
  std::fprintf(stderr, "btrouter %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               s.message().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

void DeclareConfigFlags(Flags& f) {
  f.AddValue("config", "FILE", "configuration file (default: built-in defaults)");
  f.AddValue("data-dir", "DIR", "data directory (overrides server.data_dir)");
}

Result<Config> LoadWithFlags(const Flags& f) {
  std::vector<ConfigOverride> overrides;
  if (f.Has("data-dir")) overrides.push_back({"server.data_dir", f.Get("data-dir"), "--data-dir"});
  if (f.Has("listen")) overrides.push_back({"server.listen", f.Get("listen"), "--listen"});
  if (f.Has("ws-listen")) {
    overrides.push_back({"server.ws_listen", f.Get("ws-listen"), "--ws-listen"});
  }
  return LoadConfig(f.Get("config"), ProcessEnvironment(), overrides);
}

// SIGINT and SIGTERM, blocked before any thread starts: they are taken synchronously by
// WaitForStopSignal.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void WaitForStopSignal(const sigset_t& signals, const char* command) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "btrouter %s: stopping (signal %d)\n", command, signal_number);
}

}  // namespace

int RunServeCommand(int argc, char** argv) {
  Flags f;
  DeclareConfigFlags(f);
  f.AddValue("listen", "HOST:PORT", "address to serve on (overrides server.listen)");
  f.AddValue("ws-listen", "HOST:PORT",
             "a second address for the progress WebSocket (overrides server.ws_listen; it is "
             "always served on --listen too)");
  f.AddSwitch("print-config", "print the effective configuration (secrets redacted) and exit");
  f.AddSwitch("help", "show this help");
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail("serve", s);
  if (f.Has("help")) {
    std::printf(
        "usage: btrouter serve [--config FILE] [--listen HOST:PORT] [--ws-listen HOST:PORT] "
        "[--data-dir DIR]\n%s",
        f.Usage().c_str());
    return 0;
  }
  Result<Config> config = LoadWithFlags(f);
  if (!config.ok()) return Fail("serve", config.status());
  if (f.Has("print-config")) {
    std::printf("%s", config->Dump(true).c_str());
    return 0;
  }
  const sigset_t signals = BlockStopSignals();
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
  if (!app.ok()) return Fail("serve", app.status());
  if (!(*app)->new_admin_key().empty()) {
    std::printf("admin key: %s\n", (*app)->new_admin_key().c_str());
  }
  const std::string host = config->GetHostPort("server.listen").host;
  std::printf(
      "btrouter serving on http://%s:%u (API: /v1, docs: /openapi.json, events: ws://%s:%u"
      "/v1/backtests/{id}/events, data: %s)\n",
      host.c_str(), (*app)->port(),
      ((*app)->ws_port() == (*app)->port() ? host : config->GetHostPort("server.ws_listen").host)
          .c_str(),
      (*app)->ws_port(), config->GetString("server.data_dir").c_str());
  if ((*app)->qc_port() != 0) {
    std::printf("QuantConnect API v2 on http://%s:%u/api/v2/ (lean-cli: QC_API=local)\n",
                config->GetHostPort("server.qc_listen").host.c_str(), (*app)->qc_port());
  }
  std::fflush(stdout);
  WaitForStopSignal(signals, "serve");
  (*app)->Stop();
  return 0;
}

int RunWorkerCommand(int argc, char** argv) {
  Flags f;
  DeclareConfigFlags(f);
  f.AddValue("listen", "HOST:PORT",
             "address of the worker's /livez, /readyz and /metrics (overrides worker.listen)");
  f.AddValue("threads", "N", "jobs run at once (overrides worker.threads)");
  f.AddSwitch("print-config", "print the effective configuration (secrets redacted) and exit");
  f.AddSwitch("help", "show this help");
  if (Status s = f.Parse(argc, argv, 1); !s.ok()) return Fail("worker", s);
  if (f.Has("help")) {
    std::printf(
        "usage: btrouter worker [--config FILE] [--listen HOST:PORT] [--threads N] "
        "[--data-dir DIR]\nRuns backtests taken from the Redis queue (queue.kind = redis) for "
        "the API processes\n(`btrouter serve`) sharing its store (store.kind = postgres).\n%s",
        f.Usage().c_str());
    return 0;
  }
  std::vector<ConfigOverride> overrides;
  if (f.Has("data-dir")) overrides.push_back({"server.data_dir", f.Get("data-dir"), "--data-dir"});
  if (f.Has("listen")) overrides.push_back({"worker.listen", f.Get("listen"), "--listen"});
  if (f.Has("threads")) overrides.push_back({"worker.threads", f.Get("threads"), "--threads"});
  Result<Config> config = LoadConfig(f.Get("config"), ProcessEnvironment(), overrides);
  if (!config.ok()) return Fail("worker", config.status());
  if (f.Has("print-config")) {
    std::printf("%s", config->Dump(true).c_str());
    return 0;
  }
  const sigset_t signals = BlockStopSignals();
  Result<std::unique_ptr<WorkerApp>> app = WorkerApp::Start(*config);
  if (!app.ok()) return Fail("worker", app.status());
  std::printf("btrouter worker %s running %lld jobs at once%s\n", (*app)->id().c_str(),
              static_cast<long long>(config->GetInt("worker.threads")),
              (*app)->port() == 0
                  ? ""
                  : (" (health and metrics: http://" + config->GetHostPort("worker.listen").host +
                     ":" + std::to_string((*app)->port()) + "/livez, /metrics)")
                        .c_str());
  std::fflush(stdout);
  WaitForStopSignal(signals, "worker");
  (*app)->Stop();
  return 0;
}

int RunKeysCommand(int argc, char** argv) {
  const std::string_view action = argc > 1 ? argv[1] : "";
  Flags f;
  DeclareConfigFlags(f);
  f.AddValue("tenant", "NAME", "tenant of the new key (create)");
  f.AddValue("role", "user|admin", "role of the new key (create)", "user");
  f.AddSwitch("help", "show this help");
  const int first = action == "revoke" ? 3 : 2;
  if (Status s = f.Parse(argc, argv, first); !s.ok()) return Fail("keys", s);
  const bool help = f.Has("help") || action == "--help" || action == "-h";
  if (help || (action != "create" && action != "list" && action != "revoke")) {
    std::printf(
        "usage: btrouter keys create --tenant NAME [--role admin] [--data-dir DIR]\n"
        "       btrouter keys list [--data-dir DIR]\n"
        "       btrouter keys revoke KEY_ID [--data-dir DIR]\n%s",
        f.Usage().c_str());
    return help ? 0 : 2;
  }
  Result<Config> config = LoadWithFlags(f);
  if (!config.ok()) return Fail("keys", config.status());
  Result<std::unique_ptr<Store>> store = OpenConfiguredStore(*config);
  if (!store.ok()) return Fail("keys", store.status());
  SystemClock clock;
  if (action == "create") {
    if (!f.Has("tenant")) return Fail("keys", Status::InvalidArgument("--tenant: required"));
    const std::string role = f.Get("role");
    if (role != "user" && role != "admin") {
      return Fail("keys",
                  Status::InvalidArgument("--role: expected user or admin, got '" + role + "'"));
    }
    Result<IssuedKey> issued = IssueApiKey(
        **store, f.Get("tenant"), role == "admin" ? Role::kAdmin : Role::kUser, clock.Now());
    if (!issued.ok()) return Fail("keys", issued.status());
    std::printf("%s\n", issued->key.c_str());
    return 0;
  }
  if (action == "list") {
    Result<std::vector<ApiKeyRecord>> keys = (*store)->ListApiKeys();
    if (!keys.ok()) return Fail("keys", keys.status());
    std::printf("%-14s %-20s %-6s %-20s %s\n", "id", "tenant", "role", "created (UTC)", "state");
    for (const ApiKeyRecord& k : *keys) {
      std::printf("%-14s %-20s %-6s %-20s %s\n", k.id.c_str(), k.tenant.c_str(),
                  std::string(RoleName(k.role)).c_str(), FormatCsvTime(k.created_at).c_str(),
                  k.revoked_at != 0 ? "revoked" : "active");
    }
    return 0;
  }
  if (argc < 3) return Fail("keys", Status::InvalidArgument("revoke: the key id is required"));
  Status revoked = (*store)->RevokeApiKey(argv[2], clock.Now());
  if (!revoked.ok()) return Fail("keys", revoked);
  std::printf("revoked %s\n", argv[2]);
  return 0;
}

}  // namespace btr::cli
