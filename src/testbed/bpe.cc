#include "testbed/bpe.h"

#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "util/error.h"

namespace relaygen {

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes keep their code point, the other 68 bytes
// are mapped to U+0100 onwards in byte order.
const std::vector<std::string>& ByteTable() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const int cp = printable ? b : next++;
      std::string s;
      if (cp < 0x80) {
        s += static_cast<char>(cp);
      } else {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
      }
      t[b] = s;
    }
    return t;
  }();
  return table;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsPunct(char c) { return !IsSpace(c) && !IsLetter(c) && !IsDigit(c); }

bool HasDigit(const std::string& s) {
  for (char c : s) {
    if (IsDigit(c)) return true;
  }
  return false;
}

}  // namespace

const char* const kSpecialTokens[5] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"};

std::string ByteToUnicode(std::string_view bytes) {
  std::string out;
  for (unsigned char b : bytes) out += ByteTable()[b];
  return out;
}

BpeVocab BuildByteLevelVocab(const std::vector<std::pair<std::string, std::string>>& merges) {
  BpeVocab v;
  std::set<std::string> raw_tokens;
  for (int b = 0; b < 256; ++b) {
    v.tokens.push_back(ByteTable()[b]);
    v.types.push_back(TokenType::kNormal);
    raw_tokens.insert(std::string(1, static_cast<char>(b)));
  }
  for (const auto& [left, right] : merges) {
    if (!raw_tokens.count(left) || !raw_tokens.count(right)) {
      throw Error("bpe: merge '" + left + "' + '" + right + "' uses a side that is not a token yet");
    }
    if (!raw_tokens.insert(left + right).second) {
      throw Error("bpe: merge '" + left + "' + '" + right + "' produces a token that already exists");
    }
    v.tokens.push_back(ByteToUnicode(left + right));
    v.types.push_back(TokenType::kNormal);
    v.merges.push_back(ByteToUnicode(left) + " " + ByteToUnicode(right));
  }
  for (const char* special : kSpecialTokens) {
    const std::string s = special;
    v.tokens.push_back(s);
    v.types.push_back(s[0] == '<' && s[1] == '|' ? TokenType::kControl : TokenType::kUserDefined);
  }
  v.eos = v.Find("<|im_end|>");
  v.eot = v.bos = v.pad = v.Find("<|endoftext|>");
  return v;
}

std::vector<std::string> PreTokenize(std::string_view text) {
  std::vector<std::string> pieces;
  const size_t n = text.size();
  size_t i = 0;
  auto at = [&](size_t k) { return k < n ? text[k] : '\0'; };
  while (i < n) {
    const char c = text[i];
    size_t end = i;
    // (?:'s|'t|'re|'ve|'m|'ll|'d), case-insensitive.
    if (c == '\'') {
      const char a = static_cast<char>(std::tolower(static_cast<unsigned char>(at(i + 1))));
      const char b = static_cast<char>(std::tolower(static_cast<unsigned char>(at(i + 2))));
      if (a == 's' || a == 't' || a == 'm' || a == 'd') end = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) end = i + 3;
    }
    if (end == i && (IsLetter(c) || (c != '\r' && c != '\n' && !IsDigit(c) && IsLetter(at(i + 1))))) {
      // [^\r\n\p{L}\p{N}]?\p{L}+
      end = IsLetter(c) ? i : i + 1;
      while (end < n && IsLetter(text[end])) ++end;
    } else if (end == i && IsDigit(c)) {
      end = i + 1;  // \p{N}
    } else if (end == i && (IsPunct(c) || (c == ' ' && IsPunct(at(i + 1))))) {
      // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
      end = c == ' ' ? i + 1 : i;
      while (end < n && IsPunct(text[end])) ++end;
      while (end < n && (text[end] == '\r' || text[end] == '\n')) ++end;
    } else if (end == i) {
      size_t run = i;
      while (run < n && IsSpace(text[run])) ++run;
      size_t last_newline = std::string_view::npos;
      for (size_t k = i; k < run; ++k) {
        if (text[k] == '\r' || text[k] == '\n') last_newline = k;
      }
      if (last_newline != std::string_view::npos) {
        end = last_newline + 1;  // \s*[\r\n]+
      } else if (run == n || run - i == 1) {
        end = run;  // \s+(?!\S) at the end of the text, or \s+ for a single space before a word
      } else {
        end = run - 1;  // \s+(?!\S): leave the last space to the next piece
      }
    }
    pieces.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return pieces;
}

std::vector<std::pair<std::string, std::string>> LearnBpeMerges(const std::vector<std::string>& texts,
                                                                int n_merges) {
  std::map<std::string, int64_t> piece_counts;
  for (const std::string& text : texts) {
    for (std::string& p : PreTokenize(text)) ++piece_counts[p];
  }
  struct Word {
    std::vector<std::string> symbols;
    int64_t count;
  };
  std::vector<Word> words;
  for (const auto& [piece, count] : piece_counts) {
    Word w{{}, count};
    for (char ch : piece) w.symbols.emplace_back(1, ch);
    words.push_back(std::move(w));
  }
  std::vector<std::pair<std::string, std::string>> merges;
  while (static_cast<int>(merges.size()) < n_merges) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const Word& w : words) {
      for (size_t k = 0; k + 1 < w.symbols.size(); ++k) {
        if (HasDigit(w.symbols[k]) || HasDigit(w.symbols[k + 1])) continue;
        pairs[{w.symbols[k], w.symbols[k + 1]}] += w.count;
      }
    }
    // std::map iterates in lexicographic order, so the first maximum is the smallest pair.
    const std::pair<std::string, std::string>* best = nullptr;
    int64_t best_count = 1;  // a pair seen once is not worth a token
    for (const auto& [pair, count] : pairs) {
      if (count > best_count) {
        best = &pair;
        best_count = count;
      }
    }
    if (!best) break;
    const auto merge = *best;
    merges.push_back(merge);
    for (Word& w : words) {
      std::vector<std::string> out;
      for (size_t k = 0; k < w.symbols.size(); ++k) {
        if (k + 1 < w.symbols.size() && w.symbols[k] == merge.first && w.symbols[k + 1] == merge.second) {
          out.push_back(merge.first + merge.second);
          ++k;
        } else {
          out.push_back(w.symbols[k]);
        }
      }
      w.symbols = std::move(out);
    }
  }
  return merges;
}

}  // namespace relaygen
