// Live progress under fan-out: N WebSocket subscribers of one long job.
//
// Starts a ServerApp in process (free ports, a temporary data directory, one worker, progress
// every 10 ms), uploads `--bars` synthetic minute bars, submits `--blockers` jobs to keep the
// worker busy, then the watched job, and connects N subscribers to
// ws://127.0.0.1:PORT/v1/backtests/{id}/events at once. Prints:
//   connected     handshakes that succeeded
//   completed     subscribers whose last message was the job succeeded, then a 1000 close
//   errors        subscribers with a transport, handshake or protocol error, or no final state
//   live          subscribers that saw the job before it ended (connected in time)
//   connect_s     from the first connect to the last handshake
//   total_s       from the first connect to the last final message
//   fanout_ms     from the first to the last subscriber's final message
//   messages      messages received in all
//
//   ws_subscribers_bench [--subscribers 500] [--bars 1000000] [--blockers 1] [--dir DIR]
//
// Clients and server share the machine's cores. Prints figures only.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "engines/data/gbm_generator.h"
#include "router/app/server_app.h"
#include "tests/router/integration/http_client.h"
#include "tests/router/ws/ws_client.h"

namespace btr::bench {
namespace {

using nlohmann::json;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "ws_subscribers_bench: %s\n", message.c_str());
  std::exit(1);
}

// Each subscriber holds two descriptors (client and server side) in this process.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int Run(size_t subscribers, size_t bars, size_t blockers, const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Result<Config> config = LoadConfig("", {},
                                     {{"server.listen", "127.0.0.1:0", "bench"},
                                      {"server.ws_listen", "127.0.0.1:0", "bench"},
                                      {"server.data_dir", dir.string(), "bench"},
                                      {"server.max_body_bytes", "1GiB", "bench"},
                                      {"jobs.workers", "1", "bench"},
                                      {"engines.native.concurrency", "1", "bench"},
                                      {"jobs.progress_interval_ms", "10", "bench"},
                                      {"log.level", "warn", "bench"}});
  if (!config.ok()) Die(config.status().message());
  Result<std::unique_ptr<ServerApp>> app = ServerApp::Start(*config);
  if (!app.ok()) Die(app.status().message());
  const std::string base = "http://127.0.0.1:" + std::to_string((*app)->port());
  const std::vector<std::string> admin = {"Authorization: Bearer " + (*app)->new_admin_key()};

  testing::HttpResponse r =
      testing::Request("POST", base + "/v1/keys", json{{"tenant", "bench"}}.dump(), admin);
  if (r.code != 201) Die("POST /v1/keys: " + r.body);
  const std::string key = r.Json()["key"];
  const std::vector<std::string> auth = {"Authorization: Bearer " + key};

  std::string csv;
  AppendBarsCsv(GenerateGbmBars(bars), 4, &csv);
  std::vector<std::string> upload = auth;
  upload.push_back("Content-Type: text/csv");
  r = testing::Request("POST", base + "/v1/datasets?name=gbm", csv, upload);
  if (r.code != 201) Die("POST /v1/datasets: " + r.body);
  const json spec = {
      {"engine", "native"},
      {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
      {"dataset", r.Json()["id"]},
      {"cash", 10000},
      {"commission", 0.002}};
  std::string id;
  for (size_t k = 0; k <= blockers; ++k) {
    r = testing::Request("POST", base + "/v1/backtests", spec.dump(), auth);
    if (r.code != 202) Die("POST /v1/backtests: " + r.body);
    id = r.Json()["id"];
  }

  testing::ClientLoop loop;
  std::vector<std::shared_ptr<testing::WsSubscriber>> clients;
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < subscribers; ++k) {
    clients.push_back(loop.Subscribe((*app)->ws_port(), {"/v1/backtests/" + id + "/events", key}));
  }
  auto all = [&](auto predicate) { return std::all_of(clients.begin(), clients.end(), predicate); };
  testing::WaitFor([&] { return all([](const auto& c) { return c->connected() || c->done(); }); },
                   std::chrono::seconds(60));
  const double connect_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool finished = testing::WaitFor(
      [&] { return all([](const auto& c) { return c->done(); }); }, std::chrono::seconds(120));
  loop.Stop();

  size_t connected = 0, completed = 0, errors = 0, live = 0, messages = 0;
  auto first_final = std::chrono::steady_clock::time_point::max();
  auto last_final = std::chrono::steady_clock::time_point::min();
  for (const auto& c : clients) {
    if (c->handshake_status() == 101) ++connected;
    messages += c->messages().size();
    const bool ok = c->error().empty() && c->closed_by_server() && c->close_code() == 1000 &&
                    !c->messages().empty() && c->messages().back()["job"]["status"] == "succeeded";
    if (!ok) {
      ++errors;
      if (errors <= 3) std::fprintf(stderr, "subscriber error: %s\n", c->error().c_str());
      continue;
    }
    ++completed;
    if (c->messages().size() > 1) ++live;
    first_final = std::min(first_final, c->last_message_at());
    last_final = std::max(last_final, c->last_message_at());
  }
  const double total_s = std::chrono::duration<double>(last_final - start).count();
  const double fanout_ms =
      completed == 0 ? 0
                     : std::chrono::duration<double, std::milli>(last_final - first_final).count();
  std::printf(
      "ws_subscribers subscribers=%zu bars=%zu connected=%zu completed=%zu errors=%zu live=%zu "
      "connect_s=%.3f total_s=%.3f fanout_ms=%.1f messages=%zu finished=%s\n",
      subscribers, bars, connected, completed, errors, live, connect_s, total_s, fanout_ms,
      messages, finished ? "yes" : "no");
  std::fflush(stdout);
  (*app)->Stop();
  std::filesystem::remove_all(dir);
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) {
  using namespace btr::bench;
  RaiseFileLimit();
  const size_t subscribers = std::stoul(Flag(argc, argv, "subscribers", "500"));
  const size_t bars = std::stoul(Flag(argc, argv, "bars", "1000000"));
  const size_t blockers = std::stoul(Flag(argc, argv, "blockers", "1"));
  const std::filesystem::path dir =
      Flag(argc, argv, "dir", (std::filesystem::temp_directory_path() / "btr-ws-bench").string());
  return Run(subscribers, bars, blockers, dir);
}
