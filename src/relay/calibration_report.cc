#include "relay/calibration_report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace relaygen {
namespace {

std::string Fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A cue as it reads in a table cell: quoted, trailing space visible.
std::string Shown(const std::string& cue) {
  std::string out = "`" + cue + "`";
  if (!cue.empty() && cue.back() == ' ') out = "`" + cue.substr(0, cue.size() - 1) + "␣`";
  return out;
}

std::vector<const CueStat*> SortedByMean(const CueProfile& p) {
  std::vector<const CueStat*> v;
  for (const CueStat& c : p.cues) v.push_back(&c);
  std::stable_sort(v.begin(), v.end(), [](const CueStat* a, const CueStat* b) {
    if ((a->tokens > 0) != (b->tokens > 0)) return a->tokens > 0;
    return a->mean > b->mean;
  });
  return v;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string CueProfileDiff(const CueProfile& before, const CueProfile& now) {
  auto find = [](const CueProfile& p, const std::string& cue) -> const CueStat* {
    for (const CueStat& c : p.cues) {
      if (c.cue == cue) return &c;
    }
    return nullptr;
  };
  auto numbers = [](const CueProfile& p, const CueStat* c) {
    if (c == nullptr) return std::string("not a candidate");
    const int n = p.rule == "mean" ? c->tokens : c->regions;
    // No values: nothing was measured (live traffic may never use a cue), which is no verdict.
    if (n == 0) return std::string("not measured");
    return "mu_c " + Fixed(c->mean) + " SE_c " + Fixed(c->se) + " n " + std::to_string(n) + " (mu " +
           Fixed(p.global_mean) + ", rule " + p.rule + ")";
  };
  std::ostringstream out;
  int kept = 0;
  for (const CueStat& c : now.cues) {
    const CueStat* old = find(before, c.cue);
    const bool was = old != nullptr && old->selected;
    if (c.selected && was) ++kept;
    if (c.selected == was) continue;
    out << (c.selected ? "+ " : "- ") << Shown(c.cue) << "  now: " << numbers(now, &c)
        << "  before: " << numbers(before, old) << "\n";
  }
  for (const CueStat& c : before.cues) {
    if (c.selected && find(now, c.cue) == nullptr) out << "- " << Shown(c.cue) << "  now: not a candidate\n";
  }
  out << "= " << kept << " selected cues kept\n";
  return out.str();
}

std::string CalibrationMarkdown(const CueProfile& p, const std::string& command) {
  std::ostringstream md;
  const auto selected = p.Selected();
  md << "# Cue calibration: " << p.large << " / " << p.small << "\n\n";
  if (!command.empty()) md << "```\n" << command << "\n```\n\n";
  md << "| | |\n|---|---|\n";
  md << "| large model | " << p.large << " |\n| small model | " << p.small << " |\n";
  md << "| calibration set | " << p.calibration_set << " |\n";
  md << "| traces | " << p.traces << " (" << p.samples << " per problem, seed " << p.seed << ") |\n";
  md << "| cue matching | " << p.match << " |\n";
  md << "| reasoning tokens scored | " << p.global_tokens << " |\n";
  md << "| global mean margin μ | " << Fixed(p.global_mean) << " |\n";
  md << "| rule | " << p.rule << ": μ_c ≥ μ + SE_c, occurrences ≥ " << p.min_occurrences
     << (p.rule == "mean" ? " (μ_c over pooled region tokens)" : " (μ_c over regions, each scored by its " + p.rule + " margin)")
     << " |\n";
  md << "| selected | " << selected.size() << " of " << p.cues.size() << " candidates |\n\n";
  md << "Selected switch cues:";
  for (const std::string& c : selected) md << " " << Shown(c);
  md << "\n\n";
  md << "The margin is the small model's p(top-1) − p(top-2) when it is teacher-forced through the "
        "large model's reasoning; a cue's region is the rest of the sentence after it.\n\n";
  md << "| cue | selected | occurrences | regions | tokens | μ_c | std | SE | μ_c − μ |\n";
  md << "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const CueStat* c : SortedByMean(p)) {
    md << "| " << Shown(c->cue) << " | " << (c->selected ? "yes" : "") << " | " << c->occurrences
       << " | " << c->regions << " | " << c->tokens << " | ";
    if (c->tokens > 0) {
      md << Fixed(c->mean) << " | " << Fixed(c->std) << " | " << Fixed(c->se) << " | "
         << Fixed(c->mean - p.global_mean) << " |\n";
    } else {
      md << "– | – | – | – |\n";
    }
  }
  md << "\n![cue margins](cue_margins.svg)\n";
  return md.str();
}

bool WriteCalibrationPlot(const CueProfile& p, const std::string& dir, std::string* error) {
  const std::string dat = dir + "/cue_margins.dat";
  const std::string gp = dir + "/cue_margins.gp";
  int n = 0;
  {
    std::ofstream out(dat, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + dat);
    out << "# index cue mean se selected\n";
    for (const CueStat* c : SortedByMean(p)) {
      if (c->tokens == 0) continue;
      std::string label = c->cue;
      if (!label.empty() && label.back() == ' ') label.back() = '_';
      std::string quoted;
      for (char ch : label) quoted += ch == '"' ? std::string("\\\"") : std::string(1, ch);
      out << n++ << " \"" << quoted << "\" " << c->mean << " " << c->se << " " << (c->selected ? 1 : 0) << "\n";
    }
  }
  {
    std::ofstream out(gp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + gp);
    const int width = std::max(800, 40 + 22 * n);
    out << "# gnuplot " << "cue_margins.gp  (run in this directory)\n"
        << "mu = " << p.global_mean << "\n"
        << "set title \"Post-cue margin of the small model (mean ± SE) vs global mean\"\n"
        << "set ylabel \"p(top1) - p(top2)\"\n"
        << "set xtics rotate by 60 right font \",9\"\n"
        << "set key top right\nset grid ytics\nset yrange [0:1]\n"
        << "set xrange [-1:" << n << "]\n"
        << "set style fill solid 0.6\nset boxwidth 0.6\n"
        << "do for [fmt in \"png svg\"] {\n"
        << "  if (fmt eq \"png\") { set terminal pngcairo size " << width << ",520 }\n"
        << "  if (fmt eq \"svg\") { set terminal svg size " << width << ",520 dynamic }\n"
        << "  set output \"cue_margins.\".fmt\n"
        << "  plot \"cue_margins.dat\" using 1:($5==1?$3:1/0):xtic(2) with boxes lc rgb \"#2a9d8f\" title \"selected\", \\\n"
        << "       \"\" using 1:($5==0?$3:1/0) with boxes lc rgb \"#bbbbbb\" title \"not selected\", \\\n"
        << "       \"\" using 1:3:4 with yerrorbars lc rgb \"black\" pt -1 notitle, \\\n"
        << "       mu with lines lc rgb \"#e76f51\" lw 2 title sprintf(\"global mean %.3f\", mu)\n"
        << "}\n";
  }
  if (n == 0) {
    if (error) *error = "no cue occurred in the traces: nothing to plot";
    return false;
  }
  const std::string cmd = "cd " + ShellQuote(dir) + " && gnuplot cue_margins.gp 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    if (error) *error = "cannot run gnuplot";
    return false;
  }
  std::string output;
  char buf[256];
  while (fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int rc = pclose(pipe);
  if (rc != 0) {
    if (error) *error = "gnuplot failed (is gnuplot installed?): " + output;
    return false;
  }
  return true;
}

}  // namespace relaygen
