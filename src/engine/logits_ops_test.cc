#include "engine/logits_ops.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace relaygen {
namespace {

int Reference(const std::vector<float>& l) {
  int best = 0;
  for (int t = 1; t < static_cast<int>(l.size()); ++t) {
    if (l[t] > l[best]) best = t;
  }
  return best;
}

TEST(ArgmaxFirst, MatchesTheFirstMaximumAtEverySizeAndPosition) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 3);
  for (int n : {1, 2, 7, 8, 9, 31, 151936}) {
    std::vector<float> l(n);
    for (float& v : l) v = normal(rng);
    EXPECT_EQ(ArgmaxFirst(l.data(), n), Reference(l)) << n;
    for (int at : {0, n / 2, n - 1}) {  // a peak at the ends and in the tail after the lanes
      std::vector<float> peaked = l;
      peaked[at] = 100;
      EXPECT_EQ(ArgmaxFirst(peaked.data(), n), at) << n << " " << at;
    }
  }
  // Ties: the first one wins, as in llama.cpp's greedy sampler.
  const std::vector<float> tie = {1, 5, 2, 5, 5, 0, 0, 0, 0, 5};
  EXPECT_EQ(ArgmaxFirst(tie.data(), static_cast<int>(tie.size())), 1);
  const std::vector<float> negative = {-9, -3, -7, -3};
  EXPECT_EQ(ArgmaxFirst(negative.data(), 4), 1);
}

}  // namespace
}  // namespace relaygen
