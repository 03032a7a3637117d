// The policy flags write straight into PolicyOptions, the struct MakePolicy hands each policy.
#include "cli/flags.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "llama.h"

namespace relaygen {
namespace {

PolicyOptions Parse(std::vector<std::string> args) {
  CLI::App app;
  PolicyOptions options;
  AddPolicyFlags(&app, &options);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  app.parse(args);
  return options;
}

TEST(PolicyFlags, DefaultsAreTheOptionsOwn) {
  const PolicyOptions parsed = Parse({});
  const PolicyOptions defaults;
  EXPECT_EQ(parsed.relay.raw_handoff, defaults.relay.raw_handoff);
  EXPECT_EQ(parsed.relay.prefill_ahead, defaults.relay.prefill_ahead);
  EXPECT_EQ(parsed.relay.match, defaults.relay.match);
  EXPECT_EQ(parsed.relay.min_large_tokens, defaults.relay.min_large_tokens);
  EXPECT_EQ(parsed.token_router.threshold, defaults.token_router.threshold);
  EXPECT_EQ(parsed.spec_thinking.peek_tokens, defaults.spec_thinking.peek_tokens);
  EXPECT_TRUE(parsed.relay.prefill_ahead);
  EXPECT_EQ(parsed.relay.match, CueMatch::kWordBoundary);
}

TEST(PolicyFlags, EachFlagSetsItsOption) {
  const std::string config = ::testing::TempDir() + "/spec.json";
  {
    std::ofstream out(config);
    out << "{\"peek_tokens\": 7}";
  }
  const PolicyOptions o = Parse({"--raw-handoff", "--no-prefill-ahead", "--substring-match",
                                 "--router-threshold", "0.25", "--spec-config", config});
  EXPECT_TRUE(o.relay.raw_handoff);
  EXPECT_FALSE(o.relay.prefill_ahead);
  EXPECT_EQ(o.relay.match, CueMatch::kSubstring);
  EXPECT_FLOAT_EQ(o.token_router.threshold, 0.25f);
  EXPECT_EQ(o.spec_thinking.peek_tokens, 7);
}

TEST(PolicyFlags, ABadSpecConfigIsAUsageError) {
  EXPECT_THROW(Parse({"--spec-config", "/nonexistent/spec.json"}), CLI::ValidationError);
  EXPECT_THROW(Parse({"--router-threshold", "1.5"}), CLI::ValidationError);
}

// llama.cpp's model flags reach LlamaOptions; --large-*/--small-* override them per model.
TEST(LlamaModelFlags, EachFlagSetsItsOptionAndPairOverridesApplyPerModel) {
  CLI::App app;
  LlamaOptions engine;
  PairFlags pair;
  AddEngineFlags(&app, &engine);
  AddPairFlags(&app, &pair, /*with_profile=*/false);
  std::vector<std::string> argv_strings = {"relaygen", "-ngl", "20", "-ctk", "q8_0", "-ctv=q4_0", "--mlock",
                                           "--no-mmap", "-nr", "-tb", "6", "-c", "8192", "-rea", "off",
                                           "--large-ngl", "99", "--small-ctx", "4096"};
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  std::vector<std::string> args = ExpandLlamaShortFlags(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(args[0], "--n-gpu-layers");
  EXPECT_EQ(args[4], "--cache-type-v=q4_0");
  std::reverse(args.begin(), args.end());
  app.parse(args);
  EXPECT_EQ(engine.n_gpu_layers, 20);
  EXPECT_EQ(engine.cache_type_k, "q8_0");
  EXPECT_EQ(engine.cache_type_v, "q4_0");
  EXPECT_TRUE(engine.use_mlock);
  EXPECT_FALSE(engine.use_mmap);
  EXPECT_EQ(engine.n_threads_batch, 6);
  EXPECT_FALSE(engine.repack);
  EXPECT_FALSE(engine.thinking);
  const LlamaOptions large = ForModel(engine, pair.large_model), small = ForModel(engine, pair.small_model);
  EXPECT_EQ(large.n_gpu_layers, 99);
  EXPECT_EQ(large.n_ctx, 8192);
  EXPECT_EQ(small.n_gpu_layers, 20);
  EXPECT_EQ(small.n_ctx, 4096);
}

TEST(LlamaModelFlags, DefaultsAreLlamaCppsOwn) {
  CLI::App app;
  LlamaOptions engine;
  AddEngineFlags(&app, &engine);
  app.parse(std::vector<std::string>{});
  const llama_model_params params = llama_model_default_params();
  EXPECT_EQ(engine.n_gpu_layers, params.n_gpu_layers);
  EXPECT_TRUE(engine.use_mmap);
  EXPECT_FALSE(engine.use_mlock);
  EXPECT_EQ(engine.cache_type_k, "f16");
  EXPECT_TRUE(engine.thinking);
}

SpecOptions ParseSpec(std::vector<std::string> args) {
  CLI::App app;
  SpecOptions options;
  AddSpecFlags(&app, &options);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return options;
}

TEST(SpecFlags, EachFlagSetsItsOptionAndDefaultsAreTheOptionsOwn) {
  const SpecOptions defaults;
  const SpecOptions parsed = ParseSpec({});
  EXPECT_EQ(parsed.drafter, "none");
  EXPECT_EQ(parsed.n_max, defaults.n_max);
  EXPECT_FLOAT_EQ(parsed.p_min, defaults.p_min);
  const SpecOptions o =
      ParseSpec({"--spec", "ngram", "--spec-draft", "d.gguf", "--spec-n-max", "6", "--spec-p-min", "0.25"});
  EXPECT_EQ(o.drafter, "ngram");
  EXPECT_EQ(o.draft_model, "d.gguf");
  EXPECT_EQ(o.n_max, 6);
  EXPECT_FLOAT_EQ(o.p_min, 0.25f);
  EXPECT_THROW(ParseSpec({"--spec", "eagle"}), CLI::ValidationError);
  EXPECT_THROW(ParseSpec({"--spec-n-max", "0"}), CLI::ValidationError);
  EXPECT_THROW(ParseSpec({"--spec-p-min", "2"}), CLI::ValidationError);
}

TEST(SpecFlags, SpecTurnsAPolicyIntoItsSpecForm) {
  SpecOptions o;
  EXPECT_EQ(SpecPolicyName("relay", o), "relay");
  o.drafter = "draft";
  EXPECT_EQ(SpecPolicyName("relay", o), "relay+spec");
  EXPECT_EQ(SpecPolicyName("relay+spec", o), "relay+spec");
  EXPECT_EQ(PolicyNameError("large+spec"), "");
  EXPECT_EQ(PolicyNameError("relay"), "");
  EXPECT_NE(PolicyNameError("small+spec"), "");
  EXPECT_NE(PolicyNameError("relay+spec+spec"), "");
  EXPECT_NE(PolicyNameError("+spec"), "");
}

}  // namespace
}  // namespace relaygen
