// Test helper shared by the policy tests: what every PolicyResult must satisfy, whatever the run.
#ifndef RELAYGEN_RELAY_POLICY_TEST_UTIL_H_
#define RELAYGEN_RELAY_POLICY_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>

#include "relay/policy.h"

namespace relaygen {

// The segments spell the output, their tokens add up to the per-model totals, and text the policy
// inserted itself counts no tokens.
inline void ExpectRunInvariants(const PolicyResult& r) {
  std::string joined;
  int large = 0, small = 0;
  for (const SegmentRecord& s : r.segments) {
    joined += s.text;
    (s.writer == Writer::kLarge ? large : small) += s.tokens;
    if (s.inserted) {
      EXPECT_EQ(s.tokens, 0);
    }
  }
  EXPECT_EQ(joined, r.text);
  EXPECT_EQ(large, r.stats.large_tokens);
  EXPECT_EQ(small, r.stats.small_tokens);
}

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_POLICY_TEST_UTIL_H_
