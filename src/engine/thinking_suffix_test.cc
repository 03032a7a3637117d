#include "engine/thinking_suffix.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_models.h"

namespace relaygen {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ThinkingSuffix, Qwen3LeavesThinkToTheModelAndClosesAnEmptyBlockWhenOff) {
  const ThinkingSuffix s = ReadThinkingSuffix(Read(TemplatePath("Qwen-Qwen3-0.6B.jinja")));
  EXPECT_TRUE(s.has_switch);
  EXPECT_EQ(s.on, "");
  EXPECT_EQ(s.off, "<think>\n\n</think>\n\n");
}

TEST(ThinkingSuffix, R1DistillAndQwQOpenThinkThemselves) {
  for (const char* file : {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "Qwen-QwQ-32B.jinja"}) {
    const ThinkingSuffix s = ReadThinkingSuffix(Read(TemplatePath(file)));
    EXPECT_TRUE(s.has_switch) << file;
    EXPECT_EQ(s.on, "<think>\n") << file;
    EXPECT_EQ(s.off, "<think>\n</think>") << file;
  }
}

TEST(ThinkingSuffix, TemplateWithoutGenerationPromptAddsNothing) {
  const ThinkingSuffix s = ReadThinkingSuffix("{{ messages[0].content }}");
  EXPECT_EQ(s.on, "");
  EXPECT_EQ(s.off, "");
  EXPECT_FALSE(s.has_switch);
}

TEST(ThinkingSuffix, ChatmlTemplateWithoutSwitch) {
  const ThinkingSuffix s = ReadThinkingSuffix(
      "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
  EXPECT_FALSE(s.has_switch);
  EXPECT_EQ(s.on, "");
}

}  // namespace
}  // namespace relaygen
