#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "util/error.h"

namespace relaygen {

namespace {

int Rank(const std::string& name, std::initializer_list<const char*> order) {
  int i = 0;
  for (const char* o : order) {
    if (name == o) return i;
    ++i;
  }
  return i;
}

bool DatasetBefore(const std::string& a, const std::string& b) {
  auto order = {"math500", "aime24", "aime25", "amc23", "gpqa_diamond"};
  int ra = Rank(a, order), rb = Rank(b, order);
  return ra != rb ? ra < rb : a < b;
}

std::string Format(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A markdown cell must not break the table.
std::string MdCell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string GnuplotString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> Datasets(const Report& report) {
  std::set<std::string> names;
  for (const auto& c : report.accuracy) names.insert(c.dataset);
  for (const auto& c : report.speed) names.insert(c.dataset);
  std::vector<std::string> out(names.begin(), names.end());
  std::sort(out.begin(), out.end(), DatasetBefore);
  return out;
}

std::string Capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw Error("cannot write " + path);
}

}  // namespace

bool PolicyBefore(const std::string& a, const std::string& b) {
  auto order = {"small", "large", "spec-thinking", "token-router", "relay", "all-cues",
                "answer-only", "oracle"};
  int ra = Rank(a, order), rb = Rank(b, order);
  return ra != rb ? ra < rb : a < b;
}

Report BuildReport(const std::vector<RunRecord>& records, const std::string& baseline) {
  Report report;
  report.baseline = baseline;
  std::set<RunKey> keys;
  // dataset -> policy -> id -> lines
  std::map<std::string, std::map<std::string, std::map<std::string, std::vector<const RunRecord*>>>> groups;
  for (const auto& r : records) {
    if (!keys.insert(KeyOf(r)).second) {
      throw Error("id " + r.id + " sample " + std::to_string(r.sample) + " of " + r.dataset + "/" +
                  r.policy + " appears in more than one line: report each run once");
    }
    groups[r.dataset][r.policy][r.id].push_back(&r);
  }
  for (const auto& [dataset, policies] : groups) {
    for (const auto& [policy, problems] : policies) {
      AccuracyCell cell;
      cell.dataset = dataset;
      cell.policy = policy;
      cell.problems = static_cast<int>(problems.size());
      double sum = 0;
      std::set<std::size_t> counts;
      for (const auto& [id, lines] : problems) {
        int correct = 0;
        for (const RunRecord* r : lines) correct += r->correct ? 1 : 0;
        sum += static_cast<double>(correct) / static_cast<double>(lines.size());
        cell.samples += static_cast<int>(lines.size());
        counts.insert(lines.size());
      }
      cell.samples_per_problem = counts.size() == 1 ? static_cast<int>(*counts.begin()) : 0;
      cell.pass_at_1 = sum / cell.problems;
      report.accuracy.push_back(cell);
    }
    auto base = policies.find(baseline);
    if (base == policies.end()) continue;
    // Mean wall time per problem over its timed lines.
    auto mean_walls = [](const std::map<std::string, std::vector<const RunRecord*>>& problems) {
      std::map<std::string, double> means;
      for (const auto& [id, lines] : problems) {
        double sum = 0;
        int n = 0;
        for (const RunRecord* r : lines) {
          if (r->wall_ms > 0) {
            sum += r->wall_ms;
            ++n;
          }
        }
        if (n > 0) means[id] = sum / n;
      }
      return means;
    };
    std::map<std::string, double> base_walls = mean_walls(base->second);
    if (base_walls.empty()) continue;
    for (const auto& [policy, problems] : policies) {
      std::map<std::string, double> walls = mean_walls(problems);
      std::vector<double> ratios;
      double wall_sum = 0;
      for (const auto& [id, wall] : walls) {
        auto b = base_walls.find(id);
        if (b == base_walls.end()) continue;
        ratios.push_back(b->second / wall);
        wall_sum += wall;
      }
      if (ratios.empty()) continue;
      SpeedCell cell;
      cell.dataset = dataset;
      cell.policy = policy;
      cell.problems = static_cast<int>(ratios.size());
      double mean = 0;
      for (double r : ratios) mean += r;
      mean /= static_cast<double>(ratios.size());
      double var = 0;
      for (double r : ratios) var += (r - mean) * (r - mean);
      cell.speedup_mean = mean;
      // Population std (numpy's default), the same convention as `relaygen bench`.
      cell.speedup_std = std::sqrt(var / static_cast<double>(ratios.size()));
      cell.mean_wall_ms = wall_sum / static_cast<double>(ratios.size());
      double util = 0, tokens = 0;
      int lines = 0;
      for (const auto& [id, rs] : problems) {
        for (const RunRecord* r : rs) {
          util += r->large_utilization;
          tokens += static_cast<double>(r->large_tokens + r->small_tokens);
          ++lines;
        }
      }
      cell.large_utilization = util / lines;
      cell.mean_tokens = tokens / lines;
      report.speed.push_back(cell);
    }
  }
  auto by_cell = [](const auto& a, const auto& b) {
    if (a.dataset != b.dataset) return DatasetBefore(a.dataset, b.dataset);
    return PolicyBefore(a.policy, b.policy);
  };
  std::sort(report.accuracy.begin(), report.accuracy.end(), by_cell);
  std::sort(report.speed.begin(), report.speed.end(), by_cell);
  return report;
}

std::string AccuracyMarkdown(const Report& report) {
  std::vector<std::string> datasets;
  std::set<std::string> policy_set;
  for (const auto& c : report.accuracy) policy_set.insert(c.policy);
  for (const auto& d : Datasets(report)) {
    for (const auto& c : report.accuracy) {
      if (c.dataset == d) {
        datasets.push_back(d);
        break;
      }
    }
  }
  std::vector<std::string> policies(policy_set.begin(), policy_set.end());
  std::sort(policies.begin(), policies.end(), PolicyBefore);
  std::string out = "Pass@1 (%), mean over samples per problem, then over problems; "
                    "in parentheses: problems x samples per problem.\n\n| Policy |";
  for (const auto& d : datasets) out += " " + MdCell(d) + " |";
  out += "\n|---|";
  for (std::size_t i = 0; i < datasets.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& p : policies) {
    out += "| " + MdCell(p) + " |";
    for (const auto& d : datasets) {
      const AccuracyCell* cell = nullptr;
      for (const auto& c : report.accuracy) {
        if (c.dataset == d && c.policy == p) cell = &c;
      }
      if (cell == nullptr) {
        out += " - |";
        continue;
      }
      std::string count = cell->samples_per_problem > 0
                              ? std::to_string(cell->problems) + "x" + std::to_string(cell->samples_per_problem)
                              : std::to_string(cell->problems) + " problems, " + std::to_string(cell->samples) + " samples";
      out += " " + Format("%.2f", 100 * cell->pass_at_1) + " (" + count + ") |";
    }
    out += "\n";
  }
  return out;
}

std::string SpeedMarkdown(const Report& report) {
  std::string out;
  for (const auto& d : Datasets(report)) {
    bool any = false;
    for (const auto& c : report.speed) any = any || c.dataset == d;
    if (!any) continue;
    out += "Speed-up over `" + MdCell(report.baseline) + "` on " + MdCell(d) +
           " (mean ± std over problems of the per-problem latency ratio):\n\n"
           "| Policy | Speed-up | Problems | Large-model utilization (%) | Mean latency (s) | Mean tokens |\n"
           "|---|---|---|---|---|---|\n";
    for (const auto& c : report.speed) {
      if (c.dataset != d) continue;
      out += "| " + MdCell(c.policy) + " | " + Format("%.2f", c.speedup_mean) + " ± " +
             Format("%.2f", c.speedup_std) + " | " + std::to_string(c.problems) + " | " +
             Format("%.1f", 100 * c.large_utilization) + " | " + Format("%.2f", c.mean_wall_ms / 1000) +
             " | " + Format("%.0f", c.mean_tokens) + " |\n";
    }
    out += "\n";
  }
  if (out.empty()) {
    out = "No speed table: no timed lines of the baseline policy `" + report.baseline + "`.\n";
  }
  return out;
}

std::string AccuracyCsv(const Report& report) {
  std::string out = "dataset,policy,problems,samples,samples_per_problem,pass_at_1\n";
  for (const auto& c : report.accuracy) {
    out += CsvField(c.dataset) + "," + CsvField(c.policy) + "," + std::to_string(c.problems) + "," +
           std::to_string(c.samples) + "," + std::to_string(c.samples_per_problem) + "," +
           Format("%.6f", c.pass_at_1) + "\n";
  }
  return out;
}

std::string SpeedCsv(const Report& report) {
  std::string out =
      "dataset,policy,baseline,problems,speedup_mean,speedup_std,large_utilization,mean_wall_ms,mean_tokens\n";
  for (const auto& c : report.speed) {
    out += CsvField(c.dataset) + "," + CsvField(c.policy) + "," + CsvField(report.baseline) + "," +
           std::to_string(c.problems) + "," + Format("%.6f", c.speedup_mean) + "," +
           Format("%.6f", c.speedup_std) + "," + Format("%.6f", c.large_utilization) + "," +
           Format("%.3f", c.mean_wall_ms) + "," + Format("%.1f", c.mean_tokens) + "\n";
  }
  return out;
}

void WritePlot(const Report& report, const std::string& dir) {
  // One block per dataset: speed-up, its std, pass@1 (%), policy.
  std::string data;
  std::vector<std::string> blocks;
  for (const auto& d : Datasets(report)) {
    std::string block;
    for (const auto& s : report.speed) {
      if (s.dataset != d) continue;
      for (const auto& a : report.accuracy) {
        if (a.dataset == d && a.policy == s.policy) {
          block += Format("%.6f", s.speedup_mean) + " " + Format("%.6f", s.speedup_std) + " " +
                   Format("%.4f", 100 * a.pass_at_1) + " " + GnuplotString(s.policy) + "\n";
        }
      }
    }
    if (block.empty()) continue;
    data += (blocks.empty() ? "" : "\n\n") + block;
    blocks.push_back(d);
  }
  if (blocks.empty()) {
    throw Error("nothing to plot: accuracy vs speed-up needs timed lines of the baseline `" +
                report.baseline + "` and of the policies to compare");
  }
  if (Capture("command -v gnuplot").empty()) {
    throw Error("--plot needs gnuplot (Debian: apt-get install gnuplot-nox)");
  }
  std::string base = (dir.empty() ? std::string(".") : dir) + "/accuracy_vs_speedup";
  WriteFile(base + ".dat", data);
  bool cairo = Capture("gnuplot -e 'set terminal' 2>&1").find("pngcairo") != std::string::npos;
  std::string plot = "plot ";
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    std::string idx = std::to_string(i);
    plot += std::string(i ? ", \\\n     " : "") + GnuplotString(base + ".dat") + " index " + idx +
            " using 1:3:2 with xerrorbars pt 7 title " + GnuplotString(blocks[i]) + ", '' index " +
            idx + " using 1:3:4 with labels offset char 1,0.7 left notitle";
  }
  std::string body = "set xlabel \"Speed-up over " + report.baseline +
                     " (x)\"\nset ylabel \"Pass@1 (%)\"\nset grid\nset key outside right top\n"
                     "set offsets graph 0.1, graph 0.25, graph 0.1, graph 0.1\n" + plot + "\n";
  std::string script = std::string("set terminal ") + (cairo ? "pngcairo" : "png") +
                       " noenhanced size 900,600\nset output " + GnuplotString(base + ".png") + "\n" + body +
                       "set terminal svg noenhanced size 900,600\nset output " + GnuplotString(base + ".svg") +
                       "\nreplot\nset output\n";
  WriteFile(base + ".gp", script);
  std::string log = Capture("gnuplot " + ShellQuote(base + ".gp") + " 2>&1; echo \"rc=$?\"");
  const std::string ok = "rc=0\n";
  if (log.size() < ok.size() || log.compare(log.size() - ok.size(), ok.size(), ok) != 0) throw Error("gnuplot failed on " + base + ".gp: " + log);
}

}  // namespace relaygen
