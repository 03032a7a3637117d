// The sessions requests run on. A slot is a large and a small session (either may be absent when
// only one model is served) that keep their KV caches between requests, so a follow-up turn of a
// conversation prefills only its new text. A request takes a free slot, waits in a bounded line
// for one, or is refused.
#ifndef RELAYGEN_SERVE_SLOT_POOL_H_
#define RELAYGEN_SERVE_SLOT_POOL_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

struct Slot {
  std::unique_ptr<Session> large;
  std::unique_ptr<Session> small;
};

class SlotPool {
 public:
  SlotPool(std::vector<Slot> slots, int max_queue);

  // A slot, returned to the pool when the lease goes away.
  class Lease {
   public:
    Lease(SlotPool* pool, Slot* slot) : pool_(pool), slot_(slot) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Slot& slot() const { return *slot_; }

   private:
    SlotPool* pool_;
    Slot* slot_;
  };

  enum class Refusal { kNone, kQueueFull, kTimedOut };
  // A free slot, after waiting in line up to `max_wait` if none is free. Null with the reason when
  // the line is full (max_queue requests already wait) or the wait timed out.
  std::unique_ptr<Lease> Acquire(std::chrono::milliseconds max_wait, Refusal* refusal);

  int size() const { return static_cast<int>(slots_.size()); }

 private:
  void Release(Slot* slot);

  std::vector<Slot> slots_;
  const int max_queue_;
  std::mutex mu_;               // guards free_ and waiting_
  std::condition_variable freed_;
  std::vector<Slot*> free_;     // most recently released last: a client's next turn likely finds its cache
  int waiting_ = 0;
};

}  // namespace relaygen

#endif  // RELAYGEN_SERVE_SLOT_POOL_H_
