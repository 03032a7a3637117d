#include "engine/batched_context.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "util/error.h"

namespace relaygen {
namespace {

// How long a leader waits for the other generating sessions' next tokens. A session samples its
// next token in microseconds, so this is only reached when one of them is busy elsewhere (writing
// to a slow client, say): then the others go on without it.
constexpr std::chrono::microseconds kGatherWait{1500};

}  // namespace

struct BatchedContext::Job {
  int seq;
  const std::vector<Token>* tokens;
  llama_pos pos0;
  const std::vector<bool>* keep_logits;
  std::vector<float>* rows;
  bool done = false;
  int rc = 0;
};

BatchedContext::BatchedContext(llama_context* ctx, int n_seq, int n_batch)
    : ctx_(ctx),
      n_batch_(n_batch),
      n_vocab_(llama_vocab_n_tokens(llama_model_get_vocab(llama_get_model(ctx)))),
      n_ctx_per_seq_(static_cast<int>(llama_n_ctx_seq(ctx))),
      batch_(llama_batch_init(n_batch, 0, 1)),
      seq_taken_(n_seq, false) {}

BatchedContext::~BatchedContext() { llama_batch_free(batch_); }

int BatchedContext::AcquireSeq() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < seq_taken_.size(); ++i) {
    if (!seq_taken_[i]) {
      seq_taken_[i] = true;
      return static_cast<int>(i);
    }
  }
  return -1;
}

void BatchedContext::ReleaseSeq(int seq) {
  SeqRemove(seq, 0);
  std::lock_guard<std::mutex> lock(mu_);
  seq_taken_[seq] = false;
}

void BatchedContext::BeginGenerating() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generating_;
}

void BatchedContext::EndGenerating() {
  std::lock_guard<std::mutex> lock(mu_);
  --generating_;
  queued_.notify_all();  // a leader waiting for this session's token need not wait any more
}

bool BatchedContext::SeqRemove(int seq, llama_pos from) {
  std::unique_lock<std::mutex> lock(mu_);
  finished_.wait(lock, [this] { return !decoding_; });
  return llama_memory_seq_rm(llama_get_memory(ctx_.get()), seq, from, -1);
}

BatchedContext::Counters BatchedContext::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

int BatchedContext::Decode(int seq, const std::vector<Token>& tokens, llama_pos pos0,
                           const std::vector<bool>& keep_logits, std::vector<float>* rows) {
  if (tokens.empty() || static_cast<int>(tokens.size()) > n_batch_ || keep_logits.size() != tokens.size()) {
    throw Error("internal: a batched decode needs 1 to n_batch tokens, each with a logits flag");
  }
  Job job{seq, &tokens, pos0, &keep_logits, rows};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&job);
  queued_.notify_all();
  while (!job.done) {
    if (!decoding_) {
      RunBatch(lock);
    } else {
      finished_.wait(lock);
    }
  }
  return job.rc;
}

void BatchedContext::RunBatch(std::unique_lock<std::mutex>& lock) {
  decoding_ = true;
  const auto deadline = std::chrono::steady_clock::now() + kGatherWait;
  queued_.wait_until(lock, deadline, [this] { return static_cast<int>(queue_.size()) >= generating_; });
  std::vector<Job*> jobs;
  int n_tokens = 0;
  while (!queue_.empty() && n_tokens + static_cast<int>(queue_.front()->tokens->size()) <= n_batch_) {
    jobs.push_back(queue_.front());
    n_tokens += static_cast<int>(queue_.front()->tokens->size());
    queue_.pop_front();
  }
  lock.unlock();

  int at = 0;
  for (Job* job : jobs) {
    for (size_t i = 0; i < job->tokens->size(); ++i, ++at) {
      batch_.token[at] = (*job->tokens)[i];
      batch_.pos[at] = job->pos0 + static_cast<llama_pos>(i);
      batch_.n_seq_id[at] = 1;
      batch_.seq_id[at][0] = job->seq;
      batch_.logits[at] = (*job->keep_logits)[i];
    }
  }
  batch_.n_tokens = n_tokens;
  const int rc = llama_decode(ctx_.get(), batch_);
  at = 0;
  for (Job* job : jobs) {
    job->rc = rc;
    job->rows->clear();
    for (size_t i = 0; i < job->tokens->size(); ++i, ++at) {
      if (rc != 0 || !(*job->keep_logits)[i]) continue;
      const float* row = llama_get_logits_ith(ctx_.get(), at);
      job->rows->insert(job->rows->end(), row, row + n_vocab_);
    }
    // llama.cpp may keep part of a failed batch: give each sequence back exactly what it had.
    if (rc != 0) llama_memory_seq_rm(llama_get_memory(ctx_.get()), job->seq, job->pos0, -1);
  }

  lock.lock();
  for (Job* job : jobs) job->done = true;
  ++counters_.decodes;
  counters_.sequences += static_cast<int64_t>(jobs.size());
  counters_.tokens += n_tokens;
  decoding_ = false;
  finished_.notify_all();
}

}  // namespace relaygen
