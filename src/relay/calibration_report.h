// Human-readable output of a calibration: a markdown report and a gnuplot plot of every
// candidate's post-sentence margin (mean ± SE) against the global mean.
#ifndef RELAYGEN_RELAY_CALIBRATION_REPORT_H_
#define RELAYGEN_RELAY_CALIBRATION_REPORT_H_

#include <string>

#include "relay/cue_profile.h"

namespace relaygen {

// Markdown: provenance, the selection rule, the selected cues, and a table of all candidates
// (sorted by mean margin, those never seen last). `command` is the command line that made it.
std::string CalibrationMarkdown(const CueProfile& profile, const std::string& command);

// The cues `now` selects that `before` did not ("+") and those it no longer selects ("-"), each
// with μ_c, SE_c and n (the values its rule averages: tokens for mean, regions for min) in both,
// or "not measured" where there are no values (a cue the traffic never used is dropped unjudged).
std::string CueProfileDiff(const CueProfile& before, const CueProfile& now);

// Writes <dir>/cue_margins.dat and <dir>/cue_margins.gp and runs gnuplot on it, producing
// <dir>/cue_margins.png and <dir>/cue_margins.svg. Returns false (with `error` set) when gnuplot
// is missing or fails; the data and script are written regardless.
bool WriteCalibrationPlot(const CueProfile& profile, const std::string& dir, std::string* error);

}  // namespace relaygen

#endif  // RELAYGEN_RELAY_CALIBRATION_REPORT_H_
