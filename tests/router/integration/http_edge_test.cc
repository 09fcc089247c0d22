// The HTTP edge of a real `btrouter serve` (in process, real sockets): limits answered from the
// header block before a body is read, every refusal as problem+json with a human title, the
// bearer scheme in any case, HTTP/1.1 keep-alive, HEAD, 405 and Expect: 100-continue.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/router/integration/api_server.h"
#include "tests/router/integration/raw_http.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::RawAnswer;
using testing::RawHttp;

// `answer` is a problem+json document for `status` with a human title and, when given, the
// field at fault.
void CheckProblem(const RawAnswer& answer, int status, const std::string& title,
                  const std::string& field = "") {
  INFO(answer.error << " " << answer.status << " " << answer.body);
  REQUIRE(answer.status == status);
  CHECK(answer.headers.at("content-type") == "application/problem+json");
  const json body = answer.Json();
  REQUIRE(body.is_object());
  CHECK(body["status"] == status);
  CHECK(body["title"] == title);
  CHECK(!body["detail"].get<std::string>().empty());
  if (!field.empty()) CHECK(body["field"] == field);
}

std::string Head(const std::string& request_line, const std::string& headers = "") {
  return request_line + "\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

RawAnswer Livez(uint16_t port) {
  RawHttp client(port);
  client.Send(Head("GET /livez HTTP/1.1", "Connection: close\r\n"));
  return client.Read();
}

TEST_CASE("a body over the limit is refused from Content-Length before it is read", "[edge]") {
  ApiServer server;  // server.max_body_bytes = 4 MiB
  SECTION("no key, 200 MB announced, no byte of body sent") {
    RawHttp client(server.port());
    REQUIRE(client.Send(Head("POST /v1/backtests HTTP/1.1", "Content-Length: 200000000\r\n")));
    const RawAnswer answer = client.Read();
    CheckProblem(answer, 413, "Content Too Large", "server.max_body_bytes");
    CHECK(answer.Json()["detail"].get<std::string>().find("4 MiB") != std::string::npos);
    CHECK(answer.headers.at("connection") == "close");
    CHECK(client.ClosedByServer());
  }
  SECTION("a dataset upload with a key") {
    RawHttp client(server.port());
    REQUIRE(client.Send(Head("POST /v1/datasets?name=big HTTP/1.1",
                             "Authorization: Bearer " + server.admin() +
                                 "\r\nContent-Type: text/csv\r\nContent-Length: 5000000\r\n")));
    CheckProblem(client.Read(), 413, "Content Too Large", "server.max_body_bytes");
  }
  SECTION("a chunked body that grows past the limit") {
    RawHttp client(server.port());
    REQUIRE(client.Send(
        Head("POST /v1/datasets?name=big HTTP/1.1",
             "Authorization: Bearer " + server.admin() + "\r\nTransfer-Encoding: chunked\r\n")));
    const std::string chunk(1 << 20, 'x');
    char size_line[32];
    std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
    for (int k = 0; k < 5; ++k) {
      if (!client.Send(size_line + chunk + "\r\n")) break;
    }
    CheckProblem(client.Read(), 413, "Content Too Large", "server.max_body_bytes");
  }
  SECTION("while clients trickle bodies in, the server keeps answering") {
    std::vector<std::unique_ptr<RawHttp>> slow;
    for (int k = 0; k < 4; ++k) {
      slow.push_back(std::make_unique<RawHttp>(server.port()));
      REQUIRE(slow.back()->Send(
          Head("POST /v1/datasets?name=slow HTTP/1.1",
               "Authorization: Bearer " + server.admin() + "\r\nContent-Length: 3000000\r\n")));
      REQUIRE(slow.back()->Send(std::string(1000, 'x')));
    }
    for (int k = 0; k < 20; ++k) {
      for (auto& client : slow) client->Send(std::string(1000, 'x'));
      const RawAnswer livez = Livez(server.port());
      INFO(livez.error);
      REQUIRE(livez.status == 200);
    }
  }
  // The server still serves normal requests afterwards.
  CHECK(Livez(server.port()).status == 200);
}

TEST_CASE("a header block over the limit gets 431", "[edge]") {
  ApiServer server;
  RawHttp client(server.port());
  client.Send(Head("GET /livez HTTP/1.1", "X-Big: " + std::string(4 << 20, 'a') + "\r\n"));
  CheckProblem(client.Read(), 431, "Request Header Fields Too Large", "server.max_header_bytes");
  // Just under the limit (16 KiB by default) is fine.
  RawHttp fits(server.port());
  fits.Send(Head("GET /livez HTTP/1.1", "X-Big: " + std::string(15 << 10, 'a') + "\r\n"));
  CHECK(fits.Read().status == 200);
  CHECK(Livez(server.port()).status == 200);
}

TEST_CASE("a bad Content-Length or request line is a 400 problem, never a 500", "[edge]") {
  ApiServer server;
  for (const char* length : {"-5", "abc", "1e3", "99999999999999999999999"}) {
    INFO("Content-Length: " << length);
    RawHttp client(server.port());
    client.Send(
        Head("POST /v1/backtests HTTP/1.1", std::string("Content-Length: ") + length + "\r\n"));
    CheckProblem(client.Read(), 400, "Bad Request", "content-length");
  }
  {
    RawHttp client(server.port());
    client.Send(Head("POST /v1/backtests HTTP/1.1", "Content-Length: 1000000000000\r\n"));
    CheckProblem(client.Read(), 413, "Content Too Large", "server.max_body_bytes");
  }
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /livez HTTP/9.9\r\n\r\n"),
        std::string("GET /livez HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    INFO(request);
    RawHttp client(server.port());
    client.Send(request);
    CheckProblem(client.Read(), 400, "Bad Request");
  }
}

TEST_CASE("refusals before the body: unknown path, wrong method, no key", "[edge]") {
  ApiServer server;
  SECTION("401 without reading the announced body") {
    RawHttp client(server.port());
    client.Send(Head("POST /v1/datasets?name=x HTTP/1.1", "Content-Length: 1000\r\n"));
    CheckProblem(client.Read(), 401, "Unauthorized", "authorization");
  }
  SECTION("405 names the allowed methods, with a human title") {
    RawHttp client(server.port());
    client.Send(Head("DELETE /livez HTTP/1.1"));
    const RawAnswer answer = client.Read();
    CheckProblem(answer, 405, "Method Not Allowed", "method");
    CHECK(answer.headers.at("allow") == "GET");
  }
  SECTION("404 for an unknown job names no internal operation") {
    RawHttp client(server.port());
    client.Send(Head("GET /v1/backtests/bt_nope HTTP/1.1",
                     "Authorization: Bearer " + server.admin() + "\r\n"));
    CheckProblem(client.Read(), 404, "Not Found");
  }
}

TEST_CASE("the bearer scheme is case-insensitive", "[edge]") {
  ApiServer server;
  for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    INFO(scheme);
    RawHttp client(server.port());
    client.Send(Head("GET /v1/whoami HTTP/1.1",
                     std::string("Authorization: ") + scheme + " " + server.admin() + "\r\n"));
    const RawAnswer answer = client.Read();
    REQUIRE(answer.status == 200);
    CHECK(answer.Json()["role"] == "admin");
  }
  for (const std::string& value : {"Basic " + server.admin(), std::string("Bearer"),
                                   std::string("Bearer   "), "Bearer" + server.admin()}) {
    INFO(value);
    RawHttp client(server.port());
    client.Send(Head("GET /v1/whoami HTTP/1.1", "Authorization: " + value + "\r\n"));
    CheckProblem(client.Read(), 401, "Unauthorized");
  }
}

TEST_CASE("HTTP/1.1 keeps the connection alive; HEAD; Expect: 100-continue", "[edge]") {
  ApiServer server;
  SECTION("three requests on one connection") {
    RawHttp client(server.port());
    for (int k = 0; k < 3; ++k) {
      REQUIRE(client.Send(
          Head("GET /v1/whoami HTTP/1.1", "Authorization: Bearer " + server.admin() + "\r\n")));
      const RawAnswer answer = client.Read();
      INFO(answer.error);
      REQUIRE(answer.status == 200);
      CHECK(answer.headers.count("connection") == 0);
    }
    // An error answer on a request read in full keeps the connection too.
    client.Send(Head("GET /v1/whoami HTTP/1.1"));
    CHECK(client.Read().status == 401);
    client.Send(Head("GET /livez HTTP/1.1", "Connection: close\r\n"));
    const RawAnswer last = client.Read();
    CHECK(last.status == 200);
    CHECK(last.headers.at("connection") == "close");
    CHECK(client.ClosedByServer());
  }
  SECTION("HTTP/1.0 closes unless asked to keep alive") {
    RawHttp closes(server.port());
    closes.Send(Head("GET /livez HTTP/1.0"));
    CHECK(closes.Read().status == 200);
    CHECK(closes.ClosedByServer());
    RawHttp keeps(server.port());
    keeps.Send(Head("GET /livez HTTP/1.0", "Connection: keep-alive\r\n"));
    const RawAnswer first = keeps.Read();
    CHECK(first.headers.at("connection") == "keep-alive");
    keeps.Send(Head("GET /livez HTTP/1.0", "Connection: keep-alive\r\n"));
    CHECK(keeps.Read().status == 200);
  }
  SECTION("HEAD answers the GET route's headers without a body") {
    RawHttp client(server.port());
    client.Send(Head("HEAD /openapi.json HTTP/1.1"));
    const RawAnswer head = client.Read(std::chrono::milliseconds(10'000), /*head=*/true);
    REQUIRE(head.status == 200);
    const size_t length = std::stoul(head.headers.at("content-length"));
    CHECK(length > 1000);
    client.Send(Head("GET /openapi.json HTTP/1.1"));
    const RawAnswer get = client.Read();
    CHECK(get.body.size() == length);  // nothing of a body came before the GET's answer
  }
  SECTION("Expect: 100-continue gets 100 before the body, then the answer") {
    RawHttp client(server.port());
    const std::string body = R"({"tenant":"carol"})";
    client.Send(Head("POST /v1/keys HTTP/1.1",
                     "Authorization: Bearer " + server.admin() +
                         "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                         "Content-Length: " +
                         std::to_string(body.size()) + "\r\n"));
    CHECK(client.Read().status == 100);
    client.Send(body);
    const RawAnswer created = client.Read();
    CHECK(created.status == 201);
    CHECK(created.Json()["tenant"] == "carol");
  }
}

TEST_CASE("GET of the events path without an upgrade answers 426", "[edge]") {
  ApiServer server;
  RawHttp client(server.port());
  client.Send(Head("GET /v1/backtests/bt_x/events HTTP/1.1"));
  const RawAnswer answer = client.Read();
  CheckProblem(answer, 426, "Upgrade Required", "upgrade");
  CHECK(answer.headers.at("upgrade") == "websocket");
}

}  // namespace
}  // namespace btr
