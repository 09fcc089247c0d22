// PostgresStore throughput: how many jobs per second the store takes through its hot paths,
// with 1 and 4 threads (each thread as a worker or API handler would call it).
//
//   pg_store_bench [--url postgresql://...] [--jobs 4000] [--threads 1,4] [--fsync on|off]
//                  [--pool 16]
//
// Without --url it starts a scratch PostgreSQL 15 of its own (initdb in a temp folder, a free
// port, fsync as given, run as the postgres user when started as root) and stops it at the
// end; with --url it uses that database (the jobs it creates stay there).
//
// Prints per thread count, in jobs per second:
//   create     CreateJob (each with an idempotency key)
//   run        ClaimJob + StartJob + FinishJob (a 2 KB equity curve and a small result)
//   lifecycle  what one short job costs the store end to end: CreateJob, ClaimJob, StartJob,
//              UpdateProgress, FinishJob, three AppendJobLog calls and a GetJob
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "services/pg/pg_client.h"
#include "services/store/postgres_store.h"

namespace btr::bench {
namespace {

constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

// Runs one of PostgreSQL's programs to its end with its output in `log`; its exit status. As
// root, it runs as the postgres user (the server refuses to run as root).
int Run(std::vector<std::string> args, const std::string& log) {
  if (geteuid() == 0) args.insert(args.begin(), {"runuser", "-u", "postgres", "--"});
  const pid_t pid = fork();
  if (pid == 0) {
    if (freopen(log.c_str(), "a", stdout) == nullptr || dup2(fileno(stdout), 2) < 0) _exit(127);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  return bound ? ntohs(address.sin_port) : 0;
}

// A PostgreSQL cluster in a temporary folder, started with pg_ctl and stopped with the object.
class ScratchPostgres {
 public:
  bool Start(bool fsync) {
    dir_ = std::filesystem::temp_directory_path() / ("btr_pg_bench_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::all);  // the postgres user's too
    port_ = FreePort();
    const std::string data = (dir_ / "data").string();
    if (Run({std::string(kPgBin) + "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8"},
            Log()) != 0) {
      return false;
    }
    const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                                " -c listen_addresses=127.0.0.1 -c max_connections=100" +
                                " -c fsync=" + (fsync ? "on" : "off");
    started_ = Run({std::string(kPgBin) + "/pg_ctl", "-D", data, "-o", options, "-l",
                    (dir_ / "server.log").string(), "-w", "start"},
                   Log()) == 0;
    return started_;
  }
  ~ScratchPostgres() {
    if (started_) {
      Run({std::string(kPgBin) + "/pg_ctl", "-D", (dir_ / "data").string(), "-m", "fast", "-w",
           "stop"},
          Log());
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string Url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  std::string Log() const { return (dir_ / "tools.log").string(); }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
};

JobRecord BenchJob(const std::string& id, TimeNs now) {
  JobRecord job;
  job.id = id;
  job.tenant = "bench";
  job.spec_json = R"({"engine":"native","strategy":{"name":"sma_cross"},"dataset":"ds_bench"})";
  job.spec_hash = "hash-" + id;
  job.idempotency_key = "key-" + id;
  job.engine_requested = "native";
  job.created_at = now;
  return job;
}

JobLogEntry Line(const std::string& message, TimeNs now) {
  return {0, now, "info", "btrouter", message};
}

// Calls `step(i)` for i in [0, count) from `threads` threads; jobs per second, or -1 when a
// step failed (its message printed).
template <typename Step>
double Rate(size_t count, size_t threads, const Step& step) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const double t0 = NowSeconds();
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i; !failed && (i = next.fetch_add(1)) < count;) {
        if (Status s = step(i); !s.ok()) {
          if (!failed.exchange(true)) std::fprintf(stderr, "failed: %s\n", s.ToString().c_str());
        }
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return failed ? -1 : static_cast<double>(count) / (NowSeconds() - t0);
}

int Main(int argc, char** argv) {
  std::string url = Flag(argc, argv, "url", "");
  const size_t jobs = std::stoul(Flag(argc, argv, "jobs", "4000"));
  const std::vector<size_t> thread_counts = SizeList(Flag(argc, argv, "threads", "1,4"));
  const bool fsync = Flag(argc, argv, "fsync", "on") != "off";
  PostgresStoreOptions options;
  options.pool_size = std::stoul(Flag(argc, argv, "pool", "16"));

  ScratchPostgres scratch;
  if (url.empty()) {
    if (!scratch.Start(fsync)) {
      std::string log;
      if (FILE* f = std::fopen(scratch.Log().c_str(), "r")) {
        for (int c; (c = std::fgetc(f)) != EOF;) log += static_cast<char>(c);
        std::fclose(f);
      }
      std::fprintf(stderr, "cannot start PostgreSQL 15 from %s:\n%s\n", kPgBin, log.c_str());
      return 1;
    }
    if (!PgPool(scratch.Url("postgres")).Exec("CREATE DATABASE bench").ok()) return 1;
    url = scratch.Url("bench");
  }
  auto opened = PostgresStore::Open(url, options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  PostgresStore& store = **opened;
  PgPool settings(url, 1);
  auto setting = [&](const char* name) {
    Result<PgResult> r = settings.Exec(std::string("SHOW ") + name);
    return r.ok() ? r->GetString(0, 0) : std::string("?");
  };
  std::printf("# PostgreSQL %s at %s: fsync=%s synchronous_commit=%s; pool %zu; %zu jobs a run\n",
              setting("server_version").c_str(), RedactedPgUrl(url).c_str(),
              setting("fsync").c_str(), setting("synchronous_commit").c_str(), options.pool_size,
              jobs);

  const std::string run_id = std::to_string(std::random_device{}());
  const JobResult result{R"({"metrics":{"total_return":0.12,"sharpe_ratio":1.1}})",
                         std::string(2048, '\x01')};
  constexpr TimeNs kNow = 1'700'000'000'000'000'000;
  constexpr TimeNs kLease = kNow + 60'000'000'000;
  for (const size_t threads : thread_counts) {
    const std::string prefix = "bt_" + run_id + "_" + std::to_string(threads) + "_";
    auto id = [&](const char* phase, size_t i) { return prefix + phase + std::to_string(i); };
    const double create = Rate(jobs, threads, [&](size_t i) {
      return store.CreateJob(BenchJob(id("a", i), kNow)).status();
    });
    const double run = Rate(jobs, threads, [&](size_t i) -> Status {
      const std::string job = id("a", i);
      Result<JobRecord> claimed = store.ClaimJob(job, "bench", kLease, kNow);
      if (!claimed.ok()) return claimed.status();
      Result<JobRecord> started = store.StartJob(job, claimed->epoch, "native", kNow);
      if (!started.ok()) return started.status();
      return store.FinishJob(job, claimed->epoch, JobStatus::kSucceeded, result, "", "", kNow);
    });
    const double lifecycle = Rate(jobs, threads, [&](size_t i) -> Status {
      const std::string job = id("b", i);
      BTR_RETURN_IF_ERROR(store.CreateJob(BenchJob(job, kNow)).status());
      BTR_RETURN_IF_ERROR(store.AppendJobLog(job, {Line("submitted", kNow)}));
      Result<JobRecord> claimed = store.ClaimJob(job, "bench", kLease, kNow);
      if (!claimed.ok()) return claimed.status();
      const int64_t epoch = claimed->epoch;
      BTR_RETURN_IF_ERROR(store.StartJob(job, epoch, "native", kNow).status());
      BTR_RETURN_IF_ERROR(store.AppendJobLog(job, {Line("started on native", kNow)}));
      BTR_RETURN_IF_ERROR(store.UpdateProgress(job, epoch, 0.5, "running", kNow));
      BTR_RETURN_IF_ERROR(store.FinishJob(job, epoch, JobStatus::kSucceeded, result, "", "", kNow));
      BTR_RETURN_IF_ERROR(store.AppendJobLog(job, {Line("succeeded", kNow)}));
      return store.GetJob("bench", job).status();
    });
    std::printf("threads=%zu create=%.0f/s run=%.0f/s lifecycle=%.0f/s\n", threads, create, run,
                lifecycle);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace btr::bench

int main(int argc, char** argv) { return btr::bench::Main(argc, argv); }
