#include "db/transactions.h"

#include "base/random.h"

namespace hearth::db {

Result<std::string> TransactionManager::Begin(bool read_only) {
  const int64_t now = clock_.NowMicros();
  std::lock_guard lock(mu_);
  ExpireLocked(now);
  if (open_.size() >= max_open_) {
    return ResourceExhausted("too many open transactions; commit or roll back some first");
  }
  std::string id = RandomHexToken(16);
  open_[id] = TransactionState{read_only, now + lifetime_, {}};
  return id;
}

Status TransactionManager::RecordRead(const std::string& id, const std::string& path,
                                      std::optional<int64_t> update_time) {
  const int64_t now = clock_.NowMicros();
  std::lock_guard lock(mu_);
  ExpireLocked(now);
  auto it = open_.find(id);
  if (it == open_.end()) return NotFound("no open transaction '" + id + "' (it may have expired)");
  auto [entry, inserted] = it->second.reads.emplace(path, update_time);
  if (!inserted && entry->second != update_time) {
    // A document read twice with different versions: the transaction saw two states.
    return Status(Code::kAborted,
                  "transaction aborted: '" + path + "' changed between two reads of it; retry");
  }
  return Status::Ok();
}

Result<TransactionState> TransactionManager::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  ExpireLocked(clock_.NowMicros());
  auto it = open_.find(id);
  if (it == open_.end()) return NotFound("no open transaction '" + id + "' (it may have expired)");
  return it->second;
}

Result<TransactionState> TransactionManager::Take(const std::string& id) {
  std::lock_guard lock(mu_);
  ExpireLocked(clock_.NowMicros());
  auto it = open_.find(id);
  if (it == open_.end()) {
    return Status(Code::kAborted, "no open transaction '" + id + "' (it expired or ended); retry");
  }
  TransactionState state = std::move(it->second);
  open_.erase(it);
  return state;
}

bool TransactionManager::Rollback(const std::string& id) {
  std::lock_guard lock(mu_);
  return open_.erase(id) > 0;
}

size_t TransactionManager::open() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void TransactionManager::ExpireLocked(int64_t now) {
  for (auto it = open_.begin(); it != open_.end();) {
    it = it->second.expire_at <= now ? open_.erase(it) : std::next(it);
  }
}

}  // namespace hearth::db
