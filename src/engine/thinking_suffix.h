// What a chat template writes after the assistant header of its generation prompt, with thinking
// on and off. llama_chat_apply_template renders a fixed list of formats without running Jinja and
// stops at the assistant header ("<|im_start|>assistant\n", "<｜Assistant｜>"); this reads the rest
// from the template's source, so relaygen's prompt equals the one llama.cpp's Jinja renders.
#ifndef RELAYGEN_ENGINE_THINKING_SUFFIX_H_
#define RELAYGEN_ENGINE_THINKING_SUFFIX_H_

#include <string>

namespace relaygen {

struct ThinkingSuffix {
  // Thinking on: "<think>\n" when the template opens the reasoning block itself (DeepSeek-R1-Distill,
  // QwQ), "" when the model writes <think> (Qwen3).
  std::string on;
  // Thinking off (enable_thinking false): an empty reasoning block, "<think>\n\n</think>\n\n"
  // (Qwen3) or "<think>\n</think>" (llama.cpp's R1-Distill and QwQ templates).
  std::string off;
  bool has_switch = false;  // the template reads enable_thinking; without it `off` is meaningless
};

// Reads the string literals the template emits after its last `add_generation_prompt` test:
// `on` is "<think>\n" if one of them ends with it; `off` is `on` followed by the first literal
// that closes a think block.
ThinkingSuffix ReadThinkingSuffix(const std::string& chat_template);

}  // namespace relaygen

#endif  // RELAYGEN_ENGINE_THINKING_SUFFIX_H_
