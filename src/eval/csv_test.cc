#include "eval/csv.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace relaygen {
namespace {

TEST(CsvTest, QuotedFieldsWithCommasQuotesAndNewlines) {
  CsvTable t = ParseCsv("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"line1\nline2\",\n", "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"2", "line1\nline2", ""}));
  EXPECT_EQ(t.row_lines, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(t.Column("c", "t.csv"), 2u);
}

TEST(CsvTest, NoTrailingNewlineBomAndBlankLines) {
  CsvTable t = ParseCsv("\xEF\xBB\xBFq,r\n\"\",z\n\n", "t.csv");
  ASSERT_EQ(t.header[0], "q");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"", "z"}));
  EXPECT_EQ(ParseCsv("a,b\n1,2", "t.csv").rows.at(0)[1], "2");
}

TEST(CsvTest, MalformedInputNamesFileAndLine) {
  auto message = [](const std::string& text) {
    try {
      ParseCsv(text, "bad.csv");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("a,b\n1,\"open\n2,3\n"), "bad.csv:2: unterminated quoted field");
  EXPECT_EQ(message("a,b\n1,2,3\n"), "bad.csv:2: row has 3 fields, header has 2");
  EXPECT_EQ(message("a,b\n\"x\"y,2\n"), "bad.csv:2: unexpected character after a closing quote");
  EXPECT_EQ(message("a,b\n1,x\"y\n"), "bad.csv:2: quote inside an unquoted field");
  EXPECT_EQ(message(""), "bad.csv: empty CSV (no header)");
  EXPECT_THROW(ParseCsv("a\n1\n", "t.csv").Column("b", "t.csv"), Error);
}

}  // namespace
}  // namespace relaygen
