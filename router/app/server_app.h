// ServerApp: `btrouter serve` assembled from configuration — the embedded store, the engines,
// the job service, the HTTP API and the live-progress WebSocket — with an ordered start and stop.
// Used by the CLI and by the integration tests (which start it in process on port 0).
#pragma once

#include <memory>
#include <string>

#include "engines/core/status.h"
#include "services/config/config.h"

namespace btr {

class ServerApp {
 public:
  ~ServerApp();

  // Opens <server.data_dir>/btrouter.db, creates the first admin key when there is none
  // (written to <data_dir>/admin.key, mode 0600; returned by new_admin_key()), registers the
  // enabled engines, recovers and starts jobs, and listens on server.listen (the REST API, the
  // dashboard and the live-progress WebSocket), on server.ws_listen too when it is set, and
  // serves the QuantConnect-compatible /api/v2 on server.qc_listen when that is set.
  static Result<std::unique_ptr<ServerApp>> Start(const Config& config);
  // Stops the HTTP server, the WebSocket server, then the job service. Idempotent.
  void Stop();

  uint16_t port() const;
  // The WebSocket's own port when server.ws_listen is set, else the API's port (which serves it).
  uint16_t ws_port() const;
  // The /api/v2 port when server.qc_listen is set, else 0.
  uint16_t qc_port() const;
  const std::string& new_admin_key() const;  // empty unless this start created it

 private:
  struct Parts;
  explicit ServerApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace btr
