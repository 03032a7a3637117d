// The chat template stored in testbed GGUFs (`tokenizer.chat_template`).
#ifndef RELAYGEN_TESTBED_CHAT_TEMPLATE_H_
#define RELAYGEN_TESTBED_CHAT_TEMPLATE_H_

namespace relaygen {

// Qwen3's Jinja template. llama.cpp's built-in template detection sees `<|im_start|>` and renders
// it as chatml: "<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n" (thinking enabled: the
// model itself writes "<think>\n").
const char* Qwen3ChatTemplate();

}  // namespace relaygen

#endif  // RELAYGEN_TESTBED_CHAT_TEMPLATE_H_
