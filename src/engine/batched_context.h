// One llama.cpp context shared by the sessions of one model, each session a sequence of it, so
// that sessions generating at the same time (a server's concurrent requests) are evaluated in one
// llama_decode per step instead of taking turns on separate contexts.
//
// How decodes merge: a session submits its tokens and waits. Whichever submitter finds no decode
// running becomes the leader: it gives the other sessions that are generating a moment
// (kGatherWait) to submit their next token too, packs every pending submission that fits into one
// batch, decodes it, copies each submission's logits rows out of the context, and wakes the
// submitters. A submission never waits for a decode that does not include it except the one
// running when it arrived.
//
// Logits are copied out per sequence because the next decode (another session's) overwrites the
// context's logits: a session samples from its own rows, not from the context.
#ifndef RELAYGEN_ENGINE_BATCHED_CONTEXT_H_
#define RELAYGEN_ENGINE_BATCHED_CONTEXT_H_

#include <llama.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine.h"

namespace relaygen {

class BatchedContext {
 public:
  // Owns `ctx`, created with n_seq_max = n_seq and a batch of n_batch tokens.
  BatchedContext(llama_context* ctx, int n_seq, int n_batch);
  ~BatchedContext();
  BatchedContext(const BatchedContext&) = delete;
  BatchedContext& operator=(const BatchedContext&) = delete;

  // A free sequence id, or -1 when all are taken. Release empties its cache.
  int AcquireSeq();
  void ReleaseSeq(int seq);

  // Sessions inside Generate: the leader waits for their next token before decoding.
  void BeginGenerating();
  void EndGenerating();

  // Evaluates `tokens` at positions pos0, pos0+1, … of sequence `seq` (at most n_batch tokens).
  // The logits rows of the tokens whose `keep_logits` entry is set are copied, in order, into
  // `*rows` (n_vocab floats each). Returns llama_decode's code (0 on success); on failure the
  // sequence's cache from pos0 on is removed, so it holds exactly what it held before.
  int Decode(int seq, const std::vector<Token>& tokens, llama_pos pos0, const std::vector<bool>& keep_logits,
             std::vector<float>* rows);

  // Removes positions [from, end) of `seq` from the cache (waits for a decode in flight);
  // llama_memory_seq_rm's answer (false: the cache cannot drop a suffix).
  bool SeqRemove(int seq, llama_pos from);

  int n_ctx_per_seq() const { return n_ctx_per_seq_; }
  int n_batch() const { return n_batch_; }

  // Decodes run and sequences they carried, for tests and /metrics.
  struct Counters {
    int64_t decodes = 0;
    int64_t sequences = 0;  // summed over decodes
    int64_t tokens = 0;
  };
  Counters counters() const;

 private:
  struct Job;
  // Leader: takes what fits of the queue, decodes it, and completes the jobs. mu_ is held on
  // entry and exit; it is released around llama_decode.
  void RunBatch(std::unique_lock<std::mutex>& lock);

  struct ContextDeleter {
    void operator()(llama_context* ctx) const { llama_free(ctx); }
  };
  const std::unique_ptr<llama_context, ContextDeleter> ctx_;
  const int n_batch_;
  const int n_vocab_;
  const int n_ctx_per_seq_;
  llama_batch batch_;  // used by the leader only, while decoding_

  mutable std::mutex mu_;             // guards everything below
  std::condition_variable queued_;    // a job was queued or a decode ended (the leader's wait)
  std::condition_variable finished_;  // jobs completed (submitters' wait)
  std::vector<bool> seq_taken_;
  std::deque<Job*> queue_;            // submitted, not yet in a batch
  bool decoding_ = false;             // a leader is between taking jobs and completing them
  int generating_ = 0;                // sessions between BeginGenerating and EndGenerating
  Counters counters_;
};

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_BATCHED_CONTEXT_H_
