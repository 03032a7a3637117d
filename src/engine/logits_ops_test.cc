#include "engine/logits_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
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

// The k largest by value, equal values in index order: a stable sort of the indices.
std::vector<int> ReferenceTopK(const std::vector<float>& l, int k) {
  std::vector<int> idx;
  for (int i = 0; i < static_cast<int>(l.size()); ++i) {
    if (!std::isnan(l[i])) idx.push_back(i);
  }
  std::stable_sort(idx.begin(), idx.end(), [&l](int a, int b) { return l[a] > l[b]; });
  idx.resize(std::min<size_t>(idx.size(), static_cast<size_t>(k)));
  return idx;
}

TEST(TopK, MatchesAStableSortAtEverySizeTieAndK) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0, 3);
  std::vector<int> got;
  for (int n : {1, 5, 16, 17, 40, 1000, 151936}) {
    std::vector<float> l(n);
    for (float& v : l) v = normal(rng);
    for (int k : {1, 2, 20, 40, 128}) {
      if (k > n) continue;
      TopK(l.data(), n, k, &got);
      EXPECT_EQ(got, ReferenceTopK(l, k)) << n << " " << k;
    }
    // Rounded values: many ties, also across the k-th place.
    std::vector<float> coarse(n);
    for (int i = 0; i < n; ++i) coarse[i] = std::round(l[i]);
    for (int k : {1, 20}) {
      if (k > n) continue;
      TopK(coarse.data(), n, k, &got);
      EXPECT_EQ(got, ReferenceTopK(coarse, k)) << "ties " << n << " " << k;
    }
  }
  // Rising values (every entry enters) and NaNs (none does).
  std::vector<float> rising(1000);
  std::iota(rising.begin(), rising.end(), 0.0f);
  TopK(rising.data(), 1000, 20, &got);
  EXPECT_EQ(got, ReferenceTopK(rising, 20));
  std::vector<float> with_nan = {1, NAN, 3, NAN, 2};
  TopK(with_nan.data(), 5, 3, &got);
  EXPECT_EQ(got, (std::vector<int>{2, 4, 0}));
}

}  // namespace
}  // namespace relaygen
