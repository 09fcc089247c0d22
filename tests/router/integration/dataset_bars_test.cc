// GET /v1/datasets/{id}/bars over real HTTP: the bars of GOOG.csv as uploaded, reduced into
// OHLC buckets, filtered by time, with its query checked and scoped to the tenant.
#include <algorithm>
#include <catch2/catch.hpp>

#include "engines/data/csv_loader.h"
#include "tests/router/integration/api_server.h"
#include "tests/test_util.h"

namespace btr {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::HttpResponse;

struct Fixture {
  ApiServer server;
  std::string key = server.NewKey("alice");
  std::string dataset = server.Upload(key, testing::SharedData("GOOG.csv"), "goog");
  BarSeries csv = LoadCsvFile(testing::SharedData("GOOG.csv")).value();

  json Bars(const std::string& query) {
    HttpResponse r = server.Call("GET", "/v1/datasets/" + dataset + "/bars" + query, key);
    INFO(query << " -> " << r.body);
    REQUIRE(r.code == 200);
    return r.Json();
  }
};

TEST_CASE("bars: the full range with enough points is the CSV, bar for bar", "[api][bars]") {
  Fixture f;
  REQUIRE(f.csv.size() == 2148);
  const json doc = f.Bars("?max_points=20000");
  CHECK(doc["dataset"] == f.dataset);
  CHECK(doc["bars"] == 2148);
  CHECK(doc["step"] == 1);
  const json& points = doc["points"];
  REQUIRE(points.size() == 2148);
  // The first and last rows of GOOG.csv, as written in the file.
  CHECK(points[0]["time"] == "2004-08-19T00:00:00Z");
  CHECK(points[0]["open"] == 100.0);
  CHECK(points[0]["high"] == 104.06);
  CHECK(points[0]["low"] == 95.96);
  CHECK(points[0]["close"] == 100.34);
  CHECK(points[0]["volume"] == 22351900.0);
  CHECK(points[2147]["time"] == "2013-03-01T00:00:00Z");
  CHECK(points[2147]["close"] == 806.19);
  for (size_t i = 0; i < points.size(); ++i) {
    INFO("bar " << i);
    REQUIRE(points[i]["time"] == FormatIsoTime(f.csv.time[i], true));
    REQUIRE(points[i]["high"] == f.csv.high[i]);
    REQUIRE(points[i]["low"] == f.csv.low[i]);
    REQUIRE(points[i]["close"] == f.csv.close[i]);
  }
}

TEST_CASE("bars: downsampling gives at most max_points OHLC buckets", "[api][bars]") {
  Fixture f;
  // The default cap is 2000: 2148 bars go two by two.
  const json by_default = f.Bars("");
  CHECK(by_default["step"] == 2);
  CHECK(by_default["points"].size() == 1074);

  const json doc = f.Bars("?max_points=100");
  CHECK(doc["bars"] == 2148);
  const size_t step = doc["step"];
  CHECK(step == 22);  // ceil(2148 / 100)
  const json& points = doc["points"];
  REQUIRE(points.size() <= 100);
  REQUIRE(points.size() == (2148 + step - 1) / step);
  double volume = 0;
  for (size_t k = 0; k < points.size(); ++k) {
    INFO("bucket " << k);
    const size_t begin = k * step, end = std::min<size_t>(begin + step, f.csv.size());
    CHECK(points[k]["time"] == FormatIsoTime(f.csv.time[begin], true));
    CHECK(points[k]["open"] == f.csv.open[begin]);
    CHECK(points[k]["close"] == f.csv.close[end - 1]);
    CHECK(points[k]["high"] ==
          *std::max_element(f.csv.high.begin() + begin, f.csv.high.begin() + end));
    CHECK(points[k]["low"] ==
          *std::min_element(f.csv.low.begin() + begin, f.csv.low.begin() + end));
    volume += points[k]["volume"].get<double>();
  }
  double csv_volume = 0;
  for (double v : f.csv.volume) csv_volume += v;
  CHECK(volume == csv_volume);
}

TEST_CASE("bars: from and to select by time, both inclusive", "[api][bars]") {
  Fixture f;
  const json year = f.Bars("?from=2005-01-01T00:00:00Z&to=2005-12-31T23:59:59Z&max_points=20000");
  CHECK(year["bars"] == 252);  // the 2005 rows of GOOG.csv
  REQUIRE(year["points"].size() == 252);
  CHECK(year["points"][0]["time"] == "2005-01-03T00:00:00Z");
  CHECK(year["points"][0]["open"] == 197.4);
  CHECK(year["points"][251]["time"].get<std::string>().rfind("2005-12-30", 0) == 0);

  // Exact bar times at both ends are kept; the times the API writes parse back.
  const json three = f.Bars("?from=2005-01-03T00:00:00Z&to=2005-01-05T00:00:00Z");
  CHECK(three["bars"] == 3);
  CHECK(three["points"][2]["close"] == 193.51);
  CHECK(f.Bars("?from=2005-01-03&to=2005-01-05")["bars"] == 3);  // dates alone: midnight
  // As browsers send them (encodeURIComponent), and with a "+00:00" zone.
  CHECK(f.Bars("?from=2005-01-03T00%3A00%3A00Z&to=2005-01-05T00%3a00%3a00Z")["bars"] == 3);
  CHECK(f.Bars("?from=2005-01-03T00:00:00+00:00&to=2005-01-05T00:00:00%2B00:00")["bars"] == 3);

  // Only one end; a range with no bar.
  CHECK(f.Bars("?from=2013-02-28T00:00:00Z")["bars"] == 2);
  CHECK(f.Bars("?to=2004-08-20T00:00:00Z")["bars"] == 2);
  const json none = f.Bars("?from=2014-01-01T00:00:00Z");
  CHECK(none["bars"] == 0);
  CHECK(none["points"].empty());
}

TEST_CASE("bars: a bad query is a 400 naming the field", "[api][bars]") {
  Fixture f;
  auto field_of = [&](const std::string& query) {
    HttpResponse r = f.server.Call("GET", "/v1/datasets/" + f.dataset + "/bars" + query, f.key);
    INFO(query << " -> " << r.body);
    CHECK(r.code == 400);
    return r.Json().value("field", "");
  };
  for (const char* bad : {"0", "20001", "-1", "abc", "10x", ""}) {
    CHECK(field_of(std::string("?max_points=") + bad) == "max_points");
  }
  CHECK(field_of("?from=yesterday") == "from");
  CHECK(field_of("?to=2005-13-01") == "to");
  CHECK(field_of("?from=2006-01-01&to=2005-01-01") == "to");
}

TEST_CASE("bars: another tenant's dataset is not found", "[api][bars]") {
  Fixture f;
  const std::string bob = f.server.NewKey("bob");
  const std::string path = "/v1/datasets/" + f.dataset + "/bars";
  CHECK(f.server.Call("GET", path, bob).code == 404);
  CHECK(f.server.Call("GET", "/v1/datasets/ds_nope/bars", f.key).code == 404);
  CHECK(f.server.Call("GET", path, "").code == 401);
  CHECK(f.server.Call("GET", path, f.key).code == 200);
}

}  // namespace
}  // namespace btr
