#include "eval/csv.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace relaygen {

std::size_t CsvTable::Column(const std::string& name, const std::string& source) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw Error(source + ": missing column '" + name + "'");
}

CsvTable ParseCsv(std::string_view text, const std::string& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> records;
  std::vector<std::size_t> record_lines;
  std::vector<std::string> record;
  std::string field;
  std::size_t line = 1;
  std::size_t record_line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool at_field_start = true;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    at_field_start = true;
  };
  auto end_record = [&] {
    end_field();
    records.push_back(std::move(record));
    record_lines.push_back(record_line);
    record.clear();
  };
  while (i < n) {
    char c = text[i];
    if (at_field_start && c == '"') {
      // Quoted field: runs to the next quote that is not doubled.
      std::size_t open_line = line;
      ++i;
      while (true) {
        if (i >= n) {
          throw Error(source + ":" + std::to_string(open_line) + ": unterminated quoted field");
        }
        char q = text[i];
        if (q == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (q == '\n') ++line;
        field += q;
        ++i;
      }
      at_field_start = false;
      // After the closing quote only a separator or a line end may follow.
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        throw Error(source + ":" + std::to_string(line) + ": unexpected character after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      end_record();
      ++line;
      record_line = line;
    } else {
      if (c == '"') {
        throw Error(source + ":" + std::to_string(line) + ": quote inside an unquoted field");
      }
      field += c;
      at_field_start = false;
      ++i;
    }
  }
  // The last record when the text does not end with a line break.
  if (!at_field_start || !record.empty() || !field.empty()) end_record();

  CsvTable table;
  if (records.empty()) throw Error(source + ": empty CSV (no header)");
  table.header = std::move(records[0]);
  for (std::size_t r = 1; r < records.size(); ++r) {
    // A blank line is not a record (spreadsheet exports sometimes end with several).
    if (records[r].size() == 1 && records[r][0].empty() && table.header.size() > 1) continue;
    if (records[r].size() != table.header.size()) {
      throw Error(source + ":" + std::to_string(record_lines[r]) + ": row has " +
                  std::to_string(records[r].size()) + " fields, header has " +
                  std::to_string(table.header.size()));
    }
    table.rows.push_back(std::move(records[r]));
    table.row_lines.push_back(record_lines[r]);
  }
  return table;
}

CsvTable ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return ParseCsv(buffer.str(), path);
}

}  // namespace relaygen
