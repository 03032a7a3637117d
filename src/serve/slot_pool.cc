#include "serve/slot_pool.h"

namespace relaygen {

SlotPool::SlotPool(std::vector<Slot> slots, int max_queue) : slots_(std::move(slots)), max_queue_(max_queue) {
  for (Slot& slot : slots_) free_.push_back(&slot);
}

SlotPool::Lease::~Lease() { pool_->Release(slot_); }

std::unique_ptr<SlotPool::Lease> SlotPool::Acquire(std::chrono::milliseconds max_wait, Refusal* refusal) {
  std::unique_lock<std::mutex> lock(mu_);
  *refusal = Refusal::kNone;
  if (free_.empty()) {
    if (waiting_ >= max_queue_) {
      *refusal = Refusal::kQueueFull;
      return nullptr;
    }
    ++waiting_;
    const bool got = freed_.wait_for(lock, max_wait, [this] { return !free_.empty(); });
    --waiting_;
    if (!got) {
      *refusal = Refusal::kTimedOut;
      return nullptr;
    }
  }
  Slot* slot = free_.back();
  free_.pop_back();
  return std::make_unique<Lease>(this, slot);
}

void SlotPool::Release(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(slot);
  }
  freed_.notify_one();
}

}  // namespace relaygen
