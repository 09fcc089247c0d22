// What a user sees on a terminal: the progress line on stderr is cleared before anything else
// is printed, whether the run succeeds, fails, is cancelled or is interrupted with Ctrl-C.
// The commands run on a pseudo-terminal (tests/cli/pty_process.h). A backtest reads its data
// from a FIFO, so the test decides when the load ends, after the progress line has appeared.
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/cli/pty_process.h"
#include "tests/cli/run_binary.h"
#include "tests/fakes/service_process.h"
#include "tests/router/integration/serve_process.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using testing::PtyProcess;
using testing::TempDir;

constexpr char kClear[] = "\r\033[K";

// A FIFO in `tmp` named `name`.
std::string MakeFifo(const TempDir& tmp, const std::string& name) {
  const std::string path = tmp.Path(name);
  REQUIRE(mkfifo(path.c_str(), 0600) == 0);
  return path;
}

// Writes `bytes` to the FIFO (whose reader is waiting) and closes it.
void Feed(const std::string& fifo, const std::string& bytes) {
  const int fd = open(fifo.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
  close(fd);
}

// The output from `text` on; REQUIREs that `text` is there and that the line was cleared
// right before it.
std::string AfterClearedLine(const std::string& output, const std::string& text) {
  const size_t at = output.find(text);
  INFO(output);
  REQUIRE(at != std::string::npos);
  REQUIRE(at >= 4);
  CHECK(output.substr(at - 4, 4) == kClear);
  return output.substr(at);
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("backtest clears its progress line before the table, an error or Ctrl-C",
          "[cli][terminal]") {
  TempDir tmp;
  const std::vector<std::string> base = {"backtest", "--strategy", "sma_cross", "--no-cache"};
  auto run_on = [&](const std::string& fifo) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--data", fifo});
    return args;
  };

  SECTION("the table starts on a clean line") {
    const std::string fifo = MakeFifo(tmp, "slow.csv");
    PtyProcess p(run_on(fifo));
    REQUIRE(p.WaitFor("loading slow.csv"));  // drawn after a second
    Feed(fifo, testing::ReadFile(testing::SharedData("GOOG.csv")));
    const int status = p.Finish();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const std::string rest = AfterClearedLine(p.output(), "native backtest: sma_cross");
    CHECK(!Has(rest, "loading"));  // nothing drawn after the result began
    CHECK(!Has(rest, "[#"));
    CHECK(Has(rest, "Max drawdown"));
  }
  SECTION("the error starts on a clean line") {
    const std::string fifo = MakeFifo(tmp, "bad.csv");
    PtyProcess p(run_on(fifo));
    REQUIRE(p.WaitFor("loading bad.csv"));
    Feed(fifo, "time,open,high,low,close\n2020-01-01,1,2,0.5,abc\n");
    const int status = p.Finish();
    CHECK(WEXITSTATUS(status) == 2);
    const std::string rest = AfterClearedLine(p.output(), "btrouter backtest: ");
    CHECK(!Has(rest, "loading"));
  }
  SECTION("Ctrl-C clears the line, then ends the process as SIGINT does") {
    const std::string fifo = MakeFifo(tmp, "never.csv");
    PtyProcess p(run_on(fifo));
    REQUIRE(p.WaitFor("loading never.csv"));
    p.Signal(SIGINT);
    const int status = p.Finish();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGINT);
    const std::string& out = p.output();
    INFO(out);
    REQUIRE(out.size() >= 4);
    CHECK(out.substr(out.size() - 4) == kClear);
  }
}

TEST_CASE("watch clears its progress line when the backtest is cancelled or on Ctrl-C",
          "[cli][terminal]") {
  TempDir tmp, data_dir;
  // Backtests on this engine stay running until cancelled.
  testing::ServiceProcess fake(testing::BacktestingPyFakeArgv({"--fault", "never_finish"}));
  const testing::ScopedEnv env({{"BTR__ENGINES__BACKTESTINGPY__ENABLED", "true"},
                                {"BTR__ENGINES__BACKTESTINGPY__URL", fake.Url()},
                                {"BTR__SERVER__WS_LISTEN", ""}});
  testing::ServeProcess server(data_dir.path(), tmp.Path("serve.log"));
  REQUIRE(!server.admin_key().empty());
  const std::vector<std::string> remote = {"--url", server.Url(), "--key", server.admin_key()};
  auto client = [&](std::vector<std::string> args) {
    args.insert(args.end(), remote.begin(), remote.end());
    return testing::Run(args, tmp, {"-u", "BTR_URL", "-u", "BTR_API_KEY"});
  };
  auto watch = [&](const std::string& id) {
    std::vector<std::string> args = {"watch", id};
    args.insert(args.end(), remote.begin(), remote.end());
    return args;
  };
  const testing::Outcome up = client({"upload", testing::SharedData("GOOG.csv")});
  REQUIRE(up.exit_code == 0);
  const std::string dataset = up.out.substr(0, up.out.find('\n'));
  auto submit = [&] {
    const testing::Outcome sub = client(
        {"submit", "--dataset", dataset, "--strategy", "sma_cross", "--engine", "backtestingpy"});
    INFO(sub.err);
    REQUIRE(sub.exit_code == 0);
    return sub.out.substr(0, sub.out.find('\n'));
  };

  SECTION("cancelled: the final line starts on a clean line") {
    const std::string id = submit();
    PtyProcess p(watch(id));
    REQUIRE(p.WaitFor(id + " "));  // the bar, drawn at once
    CHECK(client({"cancel", id}).exit_code == 0);
    const int status = p.Finish();
    CHECK(WEXITSTATUS(status) == 1);
    const std::string rest = AfterClearedLine(p.output(), id + " cancelled");
    CHECK(!Has(rest, "[#"));
  }
  SECTION("Ctrl-C: the line is cleared before the process ends") {
    const std::string id = submit();
    PtyProcess p(watch(id));
    REQUIRE(p.WaitFor(id + " "));
    p.Signal(SIGINT);
    const int status = p.Finish();
    CHECK(WIFSIGNALED(status));
    const std::string& out = p.output();
    INFO(out);
    REQUIRE(out.size() >= 4);
    CHECK(out.substr(out.size() - 4) == kClear);
    client({"cancel", id});
  }
}

}  // namespace
}  // namespace btr
