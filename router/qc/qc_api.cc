#include "router/qc/qc_api.h"

#include "router/qc/qc_handlers.h"
#include "services/auth/qc_keys.h"

namespace btr {
namespace {

using qcapi::QcCall;
using qcapi::QcFail;
using qcapi::QcHandler;
using qcapi::QcOk;

ApiReply Serve(const QcDeps& deps, const QcHandler& handler, const ApiRequest& request) {
  const TimeNs now = deps.clock->Now();
  Result<ApiKeyRecord> caller =
      AuthenticateQc(*deps.store, request.Header("authorization").value_or(""),
                     request.Header("timestamp").value_or(""), now / kNsPerSecond);
  if (!caller.ok()) return QcFail(caller.status());
  Result<qcapi::QcParams> params = qcapi::QcParams::From(request);
  if (!params.ok()) return QcFail(params.status());
  QcCall call{deps, request, std::move(params).value(), std::move(caller).value(), now};
  Result<nlohmann::ordered_json> body = handler(call);
  if (!body.ok()) return QcFail(body.status());
  return QcOk(std::move(body).value());
}

Result<nlohmann::ordered_json> Authenticate(QcCall&) { return nlohmann::ordered_json::object(); }

Result<nlohmann::ordered_json> AccountRead(QcCall& call) {
  return nlohmann::ordered_json{
      {"organizationId", call.caller.tenant}, {"creditBalance", 0}, {"card", nullptr}};
}

}  // namespace

std::vector<ApiRoute> BuildQcRoutes(const QcDeps& deps) {
  qcapi::QcHandlers handlers = {{"authenticate", Authenticate}, {"account/read", AccountRead}};
  qcapi::AddProjectHandlers(&handlers);
  qcapi::AddBacktestHandlers(&handlers);
  qcapi::AddChartHandlers(&handlers);
  qcapi::AddOptimizationHandlers(&handlers);
  std::vector<ApiRoute> routes;
  for (const auto& [endpoint, handler] : handlers) {
    for (const char* method : {"GET", "POST"}) {
      ApiRoute route;
      route.method = method;
      route.path = "/api/v2/" + endpoint;
      route.access = Access::kPublic;  // QuantConnect's own authentication, in Serve
      route.summary = "QuantConnect API v2: " + endpoint;
      route.handler = [deps, handler = handler](const ApiRequest& request) {
        return Serve(deps, handler, request);
      };
      routes.push_back(std::move(route));
    }
  }
  return routes;
}

}  // namespace btr
