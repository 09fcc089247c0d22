// The REST API under load: starts `btrouter serve` on a fresh data directory and a free
// loopback port, uploads GOOG and a generated 10-year daily series, then measures
//
//   1. status reads (GET /v1/backtests/{id}) at fixed rates, open loop over keep-alive
//      connections: achieved rate, p50/p99/max latency measured from each request's scheduled
//      time (so a stalled server cannot hide queueing);
//   2. the same reads with wrk (peak throughput, keep-alive), when wrk is installed;
//   3. submit-to-result latency of a 10-year daily native backtest: POST, long-poll
//      ?wait= until done, GET the result; one at a time on an otherwise idle server;
//   4. durable submits (POST /v1/backtests, each body distinct; the store commits with
//      synchronous=FULL before the 202): at a fixed rate, closed loop as fast as possible, and
//      with wrk; once with GOOG and once with 30 bars (the accepted jobs run meanwhile on the
//      same cores; 30 bars isolates the submit path). Each phase starts once the previous
//      one's jobs have drained.
//
//   api_bench [--btrouter build/btrouter] [--data GOOG.csv] [--seconds 10] [--rates 1000,5000]
//             [--submit-rate 1000] [--connections 32] [--latency-runs 200] [--dir DIR]
//
// Load generator, server and workers share the machine's cores. Prints figures only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "bench/bench_util.h"

namespace btr::bench {
namespace {

using nlohmann::json;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "api_bench: %s\n", message.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 over one keep-alive socket.

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) Die("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string FormatRequest(const std::string& method, const std::string& path,
                          const std::string& key, const std::string& body,
                          const std::string& content_type = "application/json") {
  std::string r =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n";
  if (!key.empty()) r += "Authorization: Bearer " + key + "\r\n";
  if (!body.empty() || method == "POST") {
    r += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n";
  }
  return r + "\r\n" + body;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

struct HttpReply {
  int code = 0;
  std::string body;
};

// Removes one complete response from the front of `buffer`; false while it is incomplete.
bool TakeResponse(std::string& buffer, HttpReply* out) {
  const size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  size_t length = 0;
  std::string head = buffer.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
  if (buffer.size() < head_end + 4 + length) return false;
  out->code = buffer.size() > 12 ? std::atoi(buffer.c_str() + 9) : 0;
  out->body = buffer.substr(head_end + 4, length);
  buffer.erase(0, head_end + 4 + length);
  return true;
}

// A blocking client for setup and the one-at-a-time latency runs.
class Client {
 public:
  Client(uint16_t port, std::string key) : port_(port), key_(std::move(key)) {}
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }

  HttpReply Call(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::string& content_type = "application/json") {
    if (fd_ < 0) fd_ = Connect(port_);
    if (fd_ < 0 || !SendAll(fd_, FormatRequest(method, path, key_, body, content_type))) {
      Die("cannot send " + method + " " + path);
    }
    HttpReply reply;
    char chunk[65536];
    while (!TakeResponse(buffer_, &reply)) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) Die("connection closed during " + method + " " + path);
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    return reply;
  }

 private:
  uint16_t port_;
  std::string key_;
  int fd_ = -1;
  std::string buffer_;
};

// ---------------------------------------------------------------------------------------------
// The load generator: `connections` keep-alive sockets on one epoll thread. With rate > 0,
// request k is due at start + k / rate (open loop) and waits for a free connection if none is
// idle; its latency counts from when it was due. With rate 0 every idle connection sends at once
// (closed loop).

struct LoadStats {
  double seconds = 0;
  size_t completed = 0;
  size_t completed_in_time = 0;  // answered before the run's end: the achieved rate
  std::map<int, size_t> codes;
  size_t not_sent = 0;  // due but still waiting for a connection when the run ended
  std::vector<double> latencies;

  double Percentile(double p) const {
    if (latencies.empty()) return NAN;
    std::vector<double> sorted = latencies;
    std::sort(sorted.begin(), sorted.end());
    const size_t k = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
    return sorted[k];
  }
};

using RequestFactory = std::function<std::string(size_t k)>;

LoadStats RunLoad(uint16_t port, double rate, double seconds, size_t connections,
                  const RequestFactory& make_request) {
  struct Conn {
    int fd = -1;
    bool busy = false;
    double due = 0;
    std::string in;
  };
  std::vector<Conn> conns(connections);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (size_t c = 0; c < connections; ++c) {
    conns[c].fd = Connect(port);
    if (conns[c].fd < 0) Die("cannot connect for the load run");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[c].fd, &ev);
  }
  LoadStats stats;
  std::deque<double> backlog;  // due times of requests not yet sent
  std::vector<size_t> idle;
  for (size_t c = 0; c < connections; ++c) idle.push_back(c);
  size_t scheduled = 0, sent = 0, in_flight = 0;
  const double start = NowSeconds(), end = start + seconds;
  char chunk[65536];
  epoll_event events[256];
  while (true) {
    double now = NowSeconds();
    const bool running = now < end;
    if (running && rate > 0) {
      while (start + static_cast<double>(scheduled) / rate <= now) {
        backlog.push_back(start + static_cast<double>(scheduled) / rate);
        ++scheduled;
      }
    }
    while (!idle.empty() && (rate > 0 ? !backlog.empty() : running)) {
      Conn& conn = conns[idle.back()];
      idle.pop_back();
      conn.due = rate > 0 ? backlog.front() : now;
      if (rate > 0) backlog.pop_front();
      if (!SendAll(conn.fd, make_request(sent++))) Die("send failed during the load run");
      conn.busy = true;
      ++in_flight;
    }
    if (!running && in_flight == 0) break;
    if (!running && now > end + 10) break;  // stragglers
    int timeout_ms = 10;
    if (running && rate > 0) {
      const double next = start + static_cast<double>(scheduled) / rate;
      timeout_ms = std::max(0, static_cast<int>((next - now) * 1e3));
    }
    const int n = epoll_wait(ep, events, 256, timeout_ms);
    now = NowSeconds();
    for (int e = 0; e < n; ++e) {
      Conn& conn = conns[events[e].data.u64];
      const ssize_t got = recv(conn.fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (got <= 0) {
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        Die("the server closed a connection during the load run");
      }
      conn.in.append(chunk, static_cast<size_t>(got));
      HttpReply reply;
      while (conn.busy && TakeResponse(conn.in, &reply)) {
        conn.busy = false;
        --in_flight;
        ++stats.completed;
        if (now <= end) ++stats.completed_in_time;
        ++stats.codes[reply.code];
        stats.latencies.push_back(now - conn.due);
        idle.push_back(static_cast<size_t>(&conn - conns.data()));
      }
    }
  }
  stats.seconds = seconds;
  stats.not_sent = backlog.size();
  for (Conn& conn : conns) close(conn.fd);
  close(ep);
  return stats;
}

std::string Ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", seconds * 1e3);
  return buf;
}

std::string Codes(const std::map<int, size_t>& codes) {
  std::string out;
  for (const auto& [code, count] : codes) {
    out += (out.empty() ? "" : " ") + std::to_string(code) + "x" + std::to_string(count);
  }
  return out;
}

void PrintLoad(const std::string& label, double target_rate, const LoadStats& s) {
  std::printf(
      "%-34s target=%s achieved=%.0f/s p50=%s p99=%s max=%s codes=[%s] unsent=%zu\n", label.c_str(),
      target_rate > 0 ? (std::to_string(static_cast<int>(target_rate)) + "/s").c_str() : "max",
      static_cast<double>(s.completed_in_time) / s.seconds, Ms(s.Percentile(0.50)).c_str(),
      Ms(s.Percentile(0.99)).c_str(), Ms(s.Percentile(1.0)).c_str(), Codes(s.codes).c_str(),
      s.not_sent);
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// wrk, when installed: peak keep-alive throughput with its latency distribution.

void RunWrk(const std::string& label, const std::string& url, const std::string& key,
            const std::string& script, double seconds, size_t connections) {
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) {
    std::printf("%-34s skipped: wrk not installed (scripts/setup installs it)\n", label.c_str());
    return;
  }
  std::string command = "wrk -t2 -c" + std::to_string(connections) + " -d" +
                        std::to_string(static_cast<int>(seconds)) +
                        "s --latency -H 'Connection: keep-alive' -H 'Authorization: Bearer " + key +
                        "'" + (script.empty() ? "" : " -s '" + script + "'") + " '" + url + "'";
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) Die("cannot run wrk");
  std::string out;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) out += line;
  pclose(pipe);
  auto field = [&out](const std::string& prefix) {
    const size_t at = out.find(prefix);
    if (at == std::string::npos) return std::string("?");
    const size_t from = out.find_first_not_of(' ', at + prefix.size());
    return out.substr(from, out.find('\n', from) - from);
  };
  std::string non2xx = field("Non-2xx or 3xx responses:");
  std::printf(
      "%-34s wrk -t2 -c%zu: %s req/s p50=%s p99=%s non-2xx=%s errors=%s\n", label.c_str(),
      connections, field("Requests/sec:").c_str(), field(" 50%").c_str(), field(" 99%").c_str(),
      non2xx == "?" ? "0" : non2xx.c_str(),
      out.find("Socket errors:") == std::string::npos ? "0" : field("Socket errors:").c_str());
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// The server under test.

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string key;
};

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

Server StartServer(const std::string& binary, const std::filesystem::path& dir) {
  Server server;
  server.port = FreePort();
  int out[2];
  if (pipe(out) != 0) Die("pipe() failed");
  const std::string listen = "127.0.0.1:" + std::to_string(server.port);
  const std::string data_dir = (dir / "data").string(), log = (dir / "server.log").string();
  server.pid = fork();
  if (server.pid == 0) {
    dup2(out[1], 1);
    const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) dup2(err, 2);
    // Room for every submit of the run; no WebSocket listener (not measured here).
    setenv("BTR__JOBS__QUEUE_CAPACITY", "10000000", 1);
    setenv("BTR__JOBS__MAX_ACTIVE_PER_TENANT", "1000000", 1);
    setenv("BTR__SERVER__WS_LISTEN", "", 1);
    execl(binary.c_str(), binary.c_str(), "serve", "--data-dir", data_dir.c_str(), "--listen",
          listen.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* lines = fdopen(out[0], "r");
  char line[512];
  while (std::fgets(line, sizeof line, lines) != nullptr) {
    const std::string text(line);
    if (text.rfind("admin key: ", 0) == 0) server.key = text.substr(11, text.size() - 12);
    if (text.rfind("btrouter serving", 0) == 0) break;
  }
  if (server.key.empty()) Die("btrouter serve did not start; see " + log);
  return server;
}

void StopServer(const Server& server) {
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
}

// ---------------------------------------------------------------------------------------------
// Data.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Weekday daily bars over 10 calendar years (2014-2023): a seeded random walk.
std::string TenYearDailyCsv() {
  using namespace std::chrono;  // NOLINT: calendar types, only in this function
  std::mt19937_64 rng(20240601);
  std::normal_distribution<double> step(0.0003, 0.015);
  std::string csv = ",Open,High,Low,Close,Volume\n";
  double close_price = 100;
  for (sys_days day = year{2014} / January / 1; day <= sys_days(year{2023} / December / 31);
       day += days{1}) {
    const weekday wd{day};
    if (wd == Saturday || wd == Sunday) continue;
    const year_month_day ymd{day};
    const double open = close_price;
    close_price = open * std::exp(step(rng));
    const double high = std::max(open, close_price) * 1.005,
                 low = std::min(open, close_price) * 0.995;
    char row[160];
    std::snprintf(row, sizeof row, "%04d-%02u-%02u,%.4f,%.4f,%.4f,%.4f,%d\n",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), open, high, low, close_price,
                  1000000 + static_cast<int>(rng() % 1000000));
    csv += row;
  }
  return csv;
}

std::string SubmitBody(const std::string& dataset, size_t k) {
  // A distinct body per submit: the cash differs.
  return json{{"engine", "native"},
              {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 20}}}}},
              {"dataset", dataset},
              {"cash", 10000 + static_cast<double>(k)},
              {"commission", 0.002}}
      .dump();
}

std::string Upload(Client& client, const std::string& csv, const std::string& name) {
  HttpReply r = client.Call("POST", "/v1/datasets?name=" + name, csv, "text/csv");
  if (r.code != 201) Die("upload of " + name + " failed: " + std::to_string(r.code) + " " + r.body);
  return json::parse(r.body)["id"];
}

bool Terminal(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

void SubmitToResult(Client& client, const std::string& dataset, size_t bars, size_t runs) {
  std::vector<double> done, result;
  for (size_t k = 0; k < runs; ++k) {
    const double t0 = NowSeconds();
    HttpReply submitted = client.Call("POST", "/v1/backtests", SubmitBody(dataset, k));
    if (submitted.code != 202) Die("submit failed: " + submitted.body);
    const std::string id = json::parse(submitted.body)["id"];
    std::string status = json::parse(submitted.body)["status"];
    while (!Terminal(status)) {
      HttpReply polled = client.Call("GET", "/v1/backtests/" + id + "?wait=5");
      status = json::parse(polled.body)["status"];
    }
    if (status != "succeeded") Die("backtest " + id + " ended " + status);
    done.push_back(NowSeconds() - t0);
    HttpReply r = client.Call("GET", "/v1/backtests/" + id + "/result");
    if (r.code != 200) Die("result failed: " + r.body);
    result.push_back(NowSeconds() - t0);
  }
  LoadStats to_done, to_result;
  to_done.latencies = done;
  to_result.latencies = result;
  std::printf(
      "submit->result, %zu daily bars (10y) runs=%zu: done p50=%s p99=%s; with GET result "
      "p50=%s p99=%s\n",
      bars, runs, Ms(to_done.Percentile(0.5)).c_str(), Ms(to_done.Percentile(0.99)).c_str(),
      Ms(to_result.Percentile(0.5)).c_str(), Ms(to_result.Percentile(0.99)).c_str());
  std::fflush(stdout);
}

// Waits until the jobs of earlier submits have run, so each phase starts on an idle server.
void DrainQueue(Client& client) {
  const double t0 = NowSeconds();
  while (NowSeconds() - t0 < 600) {
    HttpReply ready = client.Call("GET", "/readyz");
    if (json::parse(ready.body).value("queue_depth", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last running jobs
}

void WriteWrkSubmitScript(const std::string& path, const std::string& dataset) {
  // Every thread numbers its requests from its own base, so every body is distinct. Headers
  // passed to wrk.format would replace the -H ones, so the content type goes in wrk.headers.
  std::ofstream out(path);
  out << "local threads = 0\n"
         "function setup(thread)\n"
         "  thread:set(\"base\", threads * 100000000)\n"
         "  threads = threads + 1\n"
         "end\n"
         "wrk.method = \"POST\"\n"
         "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
         "local n = 0\n"
         "function request()\n"
         "  n = n + 1\n"
         "  local body = string.format('{\"engine\":\"native\",\"strategy\":{\"name\":"
         "\"sma_cross\",\"params\":{\"fast\":10,\"slow\":20}},\"dataset\":\""
      << dataset
      << "\",\"cash\":%d,\"commission\":0.002}', 20000000 + base + n)\n"
         "  return wrk.format(nil, nil, nil, body)  -- keeps the -H headers (the key)\n"
         "end\n";
}

int Main(int argc, char** argv) {
  const char* shared_env = std::getenv("BTR_SHARED_DIR");
  const std::string shared = shared_env != nullptr ? shared_env : "../shared";
  const std::string binary = Flag(argc, argv, "btrouter", "build/btrouter");
  const std::string goog = Flag(argc, argv, "data", shared + "/data/GOOG.csv");
  const double seconds = std::stod(Flag(argc, argv, "seconds", "10"));
  const std::vector<size_t> rates = SizeList(Flag(argc, argv, "rates", "1000,5000"));
  const double submit_rate = std::stod(Flag(argc, argv, "submit-rate", "1000"));
  const size_t connections = std::stoul(Flag(argc, argv, "connections", "32"));
  const size_t latency_runs = std::stoul(Flag(argc, argv, "latency-runs", "200"));
  std::filesystem::path dir = Flag(argc, argv, "dir", "");
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = std::filesystem::temp_directory_path() / ("btr_api_bench_" + std::to_string(getpid()));
  }
  std::filesystem::create_directories(dir);
  signal(SIGPIPE, SIG_IGN);

  const Server server = StartServer(binary, dir);
  std::printf(
      "# api_bench: btrouter serve on 127.0.0.1:%u, data in %s, %u cores shared by load "
      "generator, server and workers\n",
      server.port, dir.c_str(), std::thread::hardware_concurrency());
  Client client(server.port, server.key);
  const std::string goog_id = Upload(client, ReadFile(goog), "goog");
  const std::string daily_csv = TenYearDailyCsv();
  const size_t daily_bars =
      static_cast<size_t>(std::count(daily_csv.begin(), daily_csv.end(), '\n')) - 1;
  const std::string daily_id = Upload(client, daily_csv, "daily10y");

  // A finished job to read.
  HttpReply first = client.Call("POST", "/v1/backtests", SubmitBody(goog_id, 0));
  const std::string job_id = json::parse(first.body)["id"];
  while (!Terminal(json::parse(client.Call("GET", "/v1/backtests/" + job_id + "?wait=5").body)
                       .value("status", ""))) {
  }
  const std::string status_path = "/v1/backtests/" + job_id;
  const std::string status_request = FormatRequest("GET", status_path, server.key, "");

  // 1-2. Status reads.
  RunLoad(server.port, 1000, 1, connections, [&](size_t) { return status_request; });  // warm-up
  for (size_t rate : rates) {
    const LoadStats s = RunLoad(server.port, static_cast<double>(rate), seconds, connections,
                                [&](size_t) { return status_request; });
    PrintLoad("status reads GET /v1/backtests/{id}", static_cast<double>(rate), s);
  }
  RunWrk("status reads GET /v1/backtests/{id}",
         "http://127.0.0.1:" + std::to_string(server.port) + status_path, server.key, "", seconds,
         connections);

  // 3. Submit-to-result on an idle server.
  SubmitToResult(client, daily_id, daily_bars, latency_runs);

  // 4. Durable submits. The accepted jobs run meanwhile on the same cores: on GOOG that work
  // is larger than the submit itself; on 30 bars it is small, which isolates the submit path.
  const std::string goog_csv = ReadFile(goog);
  size_t cut = 0;
  for (int line = 0; line < 31 && cut != std::string::npos; ++line)
    cut = goog_csv.find('\n', cut + 1);
  const std::string tiny_id = Upload(client, goog_csv.substr(0, cut + 1), "goog30");
  size_t body_counter = 1'000'000;
  for (const auto& [dataset, bars] :
       {std::pair{goog_id, std::string("GOOG")}, std::pair{tiny_id, std::string("30 bars")}}) {
    const std::string label = "durable submits POST (" + bars + ")";
    auto submit = [&, id = dataset](size_t) {
      return FormatRequest("POST", "/v1/backtests", server.key, SubmitBody(id, body_counter++));
    };
    DrainQueue(client);
    PrintLoad(label, submit_rate, RunLoad(server.port, submit_rate, seconds, connections, submit));
    DrainQueue(client);
    PrintLoad(label, 0, RunLoad(server.port, 0, seconds, connections, submit));
    DrainQueue(client);
    const std::string script = (dir / "submit.lua").string();
    WriteWrkSubmitScript(script, dataset);
    RunWrk(label, "http://127.0.0.1:" + std::to_string(server.port) + "/v1/backtests", server.key,
           script, seconds, connections);
  }

  StopServer(server);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) { return btr::bench::Main(argc, argv); }
