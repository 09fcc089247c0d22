// ProgressWsServer: live job progress over WebSocket (RFC 6455), served with Boost.Beast: on the
// REST API's own port (the HTTP server hands upgrade requests over through Adopt()) and, when
// configured (server.ws_listen), on a port of its own.
//
//   GET /v1/backtests/{id}/events   (Upgrade: websocket)
//
// Authentication: `Authorization: Bearer <key>` or, for browsers, which cannot set headers on a
// WebSocket, the subprotocol list `Sec-WebSocket-Protocol: btrouter.v1, bearer.<key>` (the
// server selects `btrouter.v1` and never echoes the key; the dashboard uses this). A key is never
// taken from the URL, where it would leak into logs: a request with `?access_token=` is refused
// with 401 (field "access_token", naming the subprotocol form) even when the key is valid.
// Refusals are plain HTTP answers with an application/problem+json body and no upgrade: 401 for
// a missing or invalid key, 404 for another path or for an unknown job or another tenant's job,
// 426 for a request that is not a WebSocket upgrade, 503 when max_connections are open.
//
// After the upgrade the server sends text messages `{"type": "job", "job": <JobToJson>}`: the
// job as it is at once, then one per change (submit, start, progress, cancel request, finish),
// in order and never older than the previous one. After the message with a terminal status
// (succeeded, failed, cancelled) the server closes with code 1000 (normal). Messages from the
// client are read and ignored. A client that reads slowly skips intermediate progress messages
// (ProgressOutbox) but always gets the final one. Stop() closes open connections with code
// 1001 (going away).
//
// Threads: Start() launches one io thread that runs every socket operation, the handshakes
// (including the key and job lookups in the Store, which are short) and the fan-out. A single
// JobService listener, registered in Start(), only checks whether anyone watches the job and
// posts the record to the io thread, so it never blocks the job workers. Start(), Stop() and the
// destructor must be called from one owning thread, not concurrently; port() and stats() from
// any thread.
//
// Errors: Start() returns Unavailable when the address cannot be resolved or bound, and
// InvalidArgument for a null JobService or Store. No exception leaves this class: Boost's are
// caught at its edges (Start, the io thread, the listener) and logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engines/core/status.h"
#include "services/jobs/job_service.h"
#include "services/store/store.h"

namespace btr {

struct ProgressWsOptions {
  size_t max_queued_messages = 32;  // per connection, besides the one being written (>= 1)
  size_t max_connections = 10000;   // open connections (handshakes included) before 503
  size_t max_header_bytes = 8192;   // of the upgrade request
  // Until the upgrade request is read and answered, and for the closing handshake.
  std::chrono::milliseconds handshake_timeout{10'000};
  // With no data from the client for half of this the server pings; after all of it the
  // connection is dropped (catches dead peers and clients that stopped reading).
  std::chrono::milliseconds idle_timeout{60'000};
  // How long Stop() lets clients answer the close before it drops their sockets.
  std::chrono::milliseconds stop_grace{1'000};
};

// Counters since Start(), readable from any thread.
struct ProgressWsStats {
  uint64_t upgrades = 0;          // connections that became WebSocket subscribers
  uint64_t refused = 0;           // HTTP answers without upgrade (401, 404, 426, 503)
  uint64_t open = 0;              // connections open now (handshakes included)
  uint64_t messages_sent = 0;     // messages written completely
  uint64_t messages_dropped = 0;  // intermediate messages replaced for slow clients
};

class ProgressWsServer {
 public:
  explicit ProgressWsServer(ProgressWsOptions options = {});
  ~ProgressWsServer();  // Stop()

  ProgressWsServer(const ProgressWsServer&) = delete;
  ProgressWsServer& operator=(const ProgressWsServer&) = delete;

  // Starts the io thread and, unless `host` is empty, listens on host:port (port 0 = a free
  // port, see port()). `jobs` and `store` must outlive the server (or at least its Stop()). At
  // most once per object; FailedPrecondition on a second call.
  Status Start(const std::string& host, uint16_t port, JobService* jobs, Store* store);
  // Serves a connection accepted elsewhere (the HTTP server's HttpUpgradeHandler): `socket_fd`
  // is a connected socket this server now owns, `request_head` the upgrade request's line and
  // headers as received. From any thread; before Start() or after Stop() the socket is closed.
  void Adopt(int socket_fd, std::string request_head);
  // Removes the job listener, stops accepting, closes open connections (1001), waits up to
  // stop_grace for their closing handshakes and joins the io thread. Idempotent.
  void Stop();

  uint16_t port() const;  // the bound port; 0 before Start() or without a listener
  ProgressWsStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace btr
