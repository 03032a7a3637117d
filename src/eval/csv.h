// An RFC 4180 CSV reader. Benchmarks such as GPQA ship as spreadsheets exported to CSV, whose
// cells contain commas, doubled quotes and newlines inside quoted fields, so a line-based split
// is wrong; this reader follows the RFC exactly and reports malformed input with its line number.
#ifndef RELAYGEN_EVAL_CSV_H_
#define RELAYGEN_EVAL_CSV_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace relaygen {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // The physical line (1-based) on which each row starts, for error messages.
  std::vector<std::size_t> row_lines;

  // Index of a header column; throws relaygen::Error naming `source` if it is missing.
  std::size_t Column(const std::string& name, const std::string& source) const;
};

// Parses `text` (CRLF or LF line ends, optional UTF-8 BOM). The first record is the header; every
// row must have exactly as many fields as the header. `source` names the input in errors
// ("file.csv:12: unterminated quoted field"). A trailing empty line is not a record.
CsvTable ParseCsv(std::string_view text, const std::string& source);

// Reads and parses a file.
CsvTable ReadCsvFile(const std::string& path);

}  // namespace relaygen

#endif  // RELAYGEN_EVAL_CSV_H_
