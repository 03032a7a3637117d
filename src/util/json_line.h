// One line of a JSON-lines file, parsed with an error message that says where it came from.
#ifndef RELAYGEN_UTIL_JSON_LINE_H_
#define RELAYGEN_UTIL_JSON_LINE_H_

#include <nlohmann/json.hpp>
#include <string>

namespace relaygen {

// Parses `line` as a JSON object. Throws relaygen::Error "<where>: invalid JSON: …" or
// "<where>: expected a JSON object"; `where` is typically "file.jsonl:12".
nlohmann::json ParseJsonObjectLine(const std::string& line, const std::string& where);

}  // namespace relaygen

#endif  // RELAYGEN_UTIL_JSON_LINE_H_
