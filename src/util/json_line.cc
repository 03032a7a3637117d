#include "util/json_line.h"

#include "util/error.h"

namespace relaygen {

nlohmann::json ParseJsonObjectLine(const std::string& line, const std::string& where) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(where + ": invalid JSON: " + e.what());
  }
  if (!object.is_object()) throw Error(where + ": expected a JSON object");
  return object;
}

}  // namespace relaygen
