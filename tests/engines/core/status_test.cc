#include "engines/core/status.h"

#include <catch2/catch.hpp>

namespace btr {
namespace {

Status FailIfNegative(int v) {
  if (v < 0) return Status::InvalidArgument("v: expected >= 0");
  return Status::Ok();
}

Status Chain(int v) {
  BTR_RETURN_IF_ERROR(FailIfNegative(v));
  return Status::NotFound("reached the end");
}

TEST_CASE("Status carries a code and a message") {
  CHECK(Status().ok());
  const Status s = Status::Unavailable("engine down");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kUnavailable);
  CHECK(s.ToString() == "unavailable: engine down");
  CHECK(s.WithPrefix("native").message() == "native: engine down");
  CHECK(Status().WithPrefix("x").ok());
}

TEST_CASE("BTR_RETURN_IF_ERROR returns the first error") {
  CHECK(Chain(-1).code() == StatusCode::kInvalidArgument);
  CHECK(Chain(1).code() == StatusCode::kNotFound);
}

TEST_CASE("Result holds a value or an error") {
  Result<int> good = 7;
  REQUIRE(good.ok());
  CHECK(*good == 7);
  CHECK(good.status().ok());
  Result<int> bad = Status::Internal("boom");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().message() == "boom");
}

}  // namespace
}  // namespace btr
