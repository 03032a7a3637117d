// The one exception type relaygen throws for bad input and failed operations. Its message is meant
// for the user as is: the CLI prints "relaygen: error: <what()>" and exits non-zero.
#ifndef RELAYGEN_UTIL_ERROR_H_
#define RELAYGEN_UTIL_ERROR_H_

#include <stdexcept>
#include <string>

namespace relaygen {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The text given to a model does not fit its context window.
class ContextOverflow : public Error {
 public:
  explicit ContextOverflow(const std::string& message) : Error(message) {}
};

}  // namespace relaygen

#endif  // RELAYGEN_UTIL_ERROR_H_
