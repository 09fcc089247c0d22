// SqliteStore::SetJobRouting: a running job's engine and fallback steps as the router changes them.
#include <mutex>
#include <string>

#include "services/store/sqlite_db.h"
#include "services/store/sqlite_store.h"

namespace btr {

Status SqliteStore::SetJobRouting(std::string_view id, int attempt, std::string_view engine_used,
                                  std::string_view fallbacks_json, TimeNs now) {
  using sqlite::Statement;
  using sqlite::Transaction;
  constexpr std::string_view kOp = "SetJobRouting";
  if (id.empty()) return Status::InvalidArgument("id: required, got an empty one");
  std::lock_guard lock(writer_->mu());
  Transaction txn(writer_.get(), kOp);
  BTR_RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
  {
    BTR_SQLITE_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare(kOp,
                         "UPDATE jobs SET engine_used = ?, fallbacks_json = ?, updated_at = ? "
                         "WHERE id = ? AND status = 'running' AND attempt = ?"));
    st.Text(engine_used).Text(fallbacks_json).Int(now).Text(id).Int(attempt);
    BTR_RETURN_IF_ERROR(st.Run());
  }
  if (writer_->Changes() == 0) {
    return Status::FailedPrecondition("backtest '" + std::string(id) +
                                      "' is not running at attempt " + std::to_string(attempt));
  }
  return txn.Commit();
}

}  // namespace btr
