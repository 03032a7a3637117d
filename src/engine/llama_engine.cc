#include "engine/llama_engine.h"

#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "engine/amx_guard.h"
#include "engine/batched_context.h"
#include "engine/kv_cache_type.h"
#include "engine/llama_session.h"
#include "engine/thinking_suffix.h"
#include "util/error.h"

namespace relaygen {
namespace {

// llama.cpp reports why a load failed only through its log; keep the last error line for our
// message and print everything when RELAYGEN_LLAMA_LOG=1.
std::mutex g_log_mutex;
std::string g_last_llama_error;

void LogCallback(ggml_log_level level, const char* text, void* /*user_data*/) {
  static const bool verbose = [] {
    const char* v = std::getenv("RELAYGEN_LLAMA_LOG");
    return v != nullptr && std::string(v) == "1";
  }();
  if (verbose) std::fputs(text, stderr);
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_last_llama_error = text;
    while (!g_last_llama_error.empty() && g_last_llama_error.back() == '\n') {
      g_last_llama_error.pop_back();
    }
  }
}

std::string TakeLastLlamaError() {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string e = std::move(g_last_llama_error);
  g_last_llama_error.clear();
  return e;
}

// Clear messages for the common ways a model file is wrong, before llama.cpp sees it.
void CheckModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open model file '" + path + "': no such file or not readable");
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() < 4 || std::string(magic, 4) != "GGUF") {
    throw Error("'" + path + "' is not a GGUF model file (bad magic bytes)");
  }
}

std::string MetaString(const llama_model* model, const char* key) {
  char buf[512];
  const int n = llama_model_meta_val_str(model, key, buf, sizeof(buf));
  return n > 0 ? std::string(buf, std::min<size_t>(n, sizeof(buf) - 1)) : std::string();
}

std::string FileStem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind(".gguf");
  return dot == std::string::npos ? base : base.substr(0, dot);
}

}  // namespace

void ConfigureLlamaLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(LogCallback, nullptr);
    llama_backend_init();
  });
}

std::unique_ptr<LlamaModel> LlamaModel::Open(const std::string& path, const LlamaOptions& options) {
  ConfigureLlamaLogging();
  CheckModelFile(path);
  // Bad cache types fail here, before minutes of loading a large model.
  ParseKvCacheType(options.cache_type_k);
  const ggml_type type_v = ParseKvCacheType(options.cache_type_v);
  const bool quantized_v = type_v != GGML_TYPE_F32 && type_v != GGML_TYPE_F16 && type_v != GGML_TYPE_BF16;
  if (quantized_v && options.flash_attn == "off") {
    throw Error("a quantized V cache (-ctv " + options.cache_type_v + ") needs flash attention; drop --flash-attn off");
  }
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = options.n_gpu_layers;
  params.use_extra_bufts = options.repack && ExtraBufferTypesAreSafe(path);
  // This llama.cpp spells --mlock/--no-mmap as one load mode (its --load-mode).
  if (options.use_mlock) {
    params.load_mode = options.use_mmap ? LLAMA_LOAD_MODE_MMAP_MLOCK : LLAMA_LOAD_MODE_MLOCK;
  } else if (!options.use_mmap) {
    params.load_mode = LLAMA_LOAD_MODE_NONE;
  }
  llama_model* model = llama_model_load_from_file(path.c_str(), params);
  if (model == nullptr) {
    const std::string why = TakeLastLlamaError();
    throw Error("failed to load model '" + path + "': the file is truncated, corrupt, or not a model " +
                "llama.cpp can load" + (why.empty() ? "" : " (llama.cpp: " + why + ")"));
  }
  std::string name = MetaString(model, "general.name");
  if (name.empty()) name = FileStem(path);
  LlamaOptions resolved = options;
  if (resolved.n_threads <= 0) {
    const char* env = std::getenv("RELAYGEN_THREADS");
    resolved.n_threads = env != nullptr && std::atoi(env) > 0
                             ? std::atoi(env)
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // On models this small a decode step is a fraction of a millisecond and synchronising worker
    // threads costs more than they save (much more on a busy machine): use one.
    if (env == nullptr && llama_model_n_params(model) < 20'000'000) resolved.n_threads = 1;
  }
  if (resolved.n_threads_batch <= 0) resolved.n_threads_batch = resolved.n_threads;
  if (resolved.n_ctx <= 0) resolved.n_ctx = std::min(llama_model_n_ctx_train(model), 16384);
  if (resolved.n_batch <= 0) throw Error("batch size must be positive");
  if (resolved.n_parallel <= 0) throw Error("the number of parallel sessions must be positive");
  if (resolved.flash_attn != "auto" && resolved.flash_attn != "on" && resolved.flash_attn != "off") {
    throw Error("flash attention must be on, off or auto (got '" + resolved.flash_attn + "')");
  }
  // Same reason: llama.cpp's CPU flash-attention kernel converts K/V through F16 on every step,
  // which on a model this small costs more than the attention itself (the testbed pair decodes
  // ~15% slower with it, and the small/large speed ratio drops from 3.2x to 2.8x).
  // (Not with a quantized V cache, which llama.cpp supports only with flash attention.)
  if (resolved.flash_attn == "auto" && llama_model_n_params(model) < 20'000'000 && !quantized_v) {
    resolved.flash_attn = "off";
  }
  return std::unique_ptr<LlamaModel>(new LlamaModel(model, std::move(name), resolved));
}

LlamaModel::LlamaModel(llama_model* model, std::string name, const LlamaOptions& options)
    : model_(model), name_(std::move(name)), options_(options) {
  if (options_.n_parallel > 1) {
    try {
      batched_ = std::make_unique<BatchedContext>(NewLlamaContext(*this, options_.n_parallel),
                                                  options_.n_parallel, options_.n_batch);
    } catch (...) {
      llama_model_free(model_);
      throw;
    }
  }
}

LlamaModel::~LlamaModel() {
  batched_.reset();
  llama_model_free(model_);
}

llama_context* NewLlamaContext(const LlamaModel& model, int n_seq) {
  const LlamaOptions& o = model.options();
  llama_context_params params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(o.n_ctx) * static_cast<uint32_t>(n_seq);
  params.n_batch = static_cast<uint32_t>(o.n_batch);
  params.n_ubatch = static_cast<uint32_t>(o.n_batch);
  params.n_seq_max = static_cast<uint32_t>(n_seq);
  // One KV cache per sequence: with a unified one every decode attends over the cells of every
  // sequence, idle ones included (docs/serving.md).
  params.kv_unified = false;
  params.n_threads = o.n_threads;
  params.n_threads_batch = o.n_threads_batch > 0 ? o.n_threads_batch : o.n_threads;
  params.no_perf = true;
  params.flash_attn_type = o.flash_attn == "on"    ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                           : o.flash_attn == "off" ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                                   : LLAMA_FLASH_ATTN_TYPE_AUTO;
  params.type_k = ParseKvCacheType(o.cache_type_k);
  params.type_v = ParseKvCacheType(o.cache_type_v);
  if (o.f32_kv_cache) {
    params.type_k = GGML_TYPE_F32;
    params.type_v = GGML_TYPE_F32;
  }
  llama_context* ctx = llama_init_from_model(model.raw(), params);
  if (ctx == nullptr) {
    throw Error("failed to create a llama.cpp context for '" + model.name() + "' (n_ctx " +
                std::to_string(params.n_ctx) + "): out of memory?");
  }
  return ctx;
}

std::string LlamaModel::RenderChat(const std::vector<ChatMessage>& messages) const {
  const char* tmpl = llama_model_chat_template(model_, nullptr);
  if (tmpl == nullptr) {
    throw Error("model '" + name_ + "' has no chat template in its GGUF metadata");
  }
  std::vector<llama_chat_message> chat;
  for (const ChatMessage& m : messages) chat.push_back({m.role.c_str(), m.content.c_str()});
  size_t capacity = 256;
  for (const ChatMessage& m : messages) capacity += 2 * (m.role.size() + m.content.size()) + 64;
  std::string out(capacity, '\0');
  int n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, out.data(),
                                    static_cast<int32_t>(out.size()));
  if (n > static_cast<int>(out.size())) {
    out.resize(n);
    n = llama_chat_apply_template(tmpl, chat.data(), chat.size(), true, out.data(), n);
  }
  if (n < 0) {
    throw Error("llama.cpp does not recognise the chat template of '" + name_ +
                "' (llama_chat_apply_template supports a fixed list)");
  }
  out.resize(n);
  // llama_chat_apply_template does not run Jinja and stops at the assistant header: what the
  // template writes after it (R1-Distill's and QwQ's "<think>\n", Qwen3's empty think block when
  // thinking is off) comes from the template's source.
  const ThinkingSuffix suffix = ReadThinkingSuffix(tmpl);
  if (!options_.thinking && !suffix.has_switch) {
    throw Error("the chat template of '" + name_ + "' has no enable_thinking switch: it cannot render a prompt "
                "with reasoning off");
  }
  const std::string& add = options_.thinking ? suffix.on : suffix.off;
  if (out.size() < add.size() || out.compare(out.size() - add.size(), add.size(), add) != 0) out += add;
  return out;
}

std::unique_ptr<Session> LlamaModel::NewSession() {
  return std::make_unique<LlamaSession>(this);
}

}  // namespace relaygen
