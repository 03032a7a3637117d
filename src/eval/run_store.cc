#include "eval/run_store.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/json_line.h"

namespace relaygen {

namespace {

using nlohmann::json;

const char* const kKnownFields[] = {
    "id", "dataset", "policy", "sample", "text", "extracted", "answer", "correct",
    "large_tokens", "small_tokens", "switches_l_to_s", "switches_s_to_l", "large_utilization",
    "wall_ms"};

template <typename T>
T Get(const json& object, const char* name, const std::string& where, T fallback, bool required) {
  auto it = object.find(name);
  if (it == object.end()) {
    if (required) throw Error(where + ": missing field '" + name + "'");
    return fallback;
  }
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw Error(where + ": field '" + name + "' has the wrong type");
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Parses the complete lines of `content`; the torn tail (if any) is left out.
std::vector<RunRecord> ParseRunLines(const std::string& content, const std::string& path,
                                     std::size_t* torn_bytes) {
  std::vector<RunRecord> records;
  std::set<RunKey> keys;
  std::size_t complete = content.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  if (torn_bytes != nullptr) *torn_bytes = content.size() - complete;
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < complete) {
    std::size_t end = content.find('\n', start);
    ++line_number;
    std::string line = content.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(line_number);
    const json object = ParseJsonObjectLine(line, where);
    RunRecord record = RunRecordFromJson(object, where);
    if (!keys.insert(KeyOf(record)).second) {
      throw Error(where + ": duplicate line for " + record.dataset + "/" + record.policy + " id " +
                  record.id + " sample " + std::to_string(record.sample));
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

json RunRecordToJson(const RunRecord& r) {
  json j = json::object();
  j["id"] = r.id;
  j["dataset"] = r.dataset;
  j["policy"] = r.policy;
  j["sample"] = r.sample;
  j["text"] = r.text;
  j["extracted"] = r.extracted;
  j["answer"] = r.answer;
  j["correct"] = r.correct;
  j["large_tokens"] = r.large_tokens;
  j["small_tokens"] = r.small_tokens;
  j["switches_l_to_s"] = r.switches_l_to_s;
  j["switches_s_to_l"] = r.switches_s_to_l;
  j["large_utilization"] = r.large_utilization;
  j["wall_ms"] = r.wall_ms;
  if (r.extra.is_object()) {
    for (auto it = r.extra.begin(); it != r.extra.end(); ++it) {
      if (!j.contains(it.key())) j[it.key()] = it.value();
    }
  }
  return j;
}

RunRecord RunRecordFromJson(const json& o, const std::string& where) {
  RunRecord r;
  r.id = Get<std::string>(o, "id", where, "", true);
  r.dataset = Get<std::string>(o, "dataset", where, "", true);
  r.policy = Get<std::string>(o, "policy", where, "", true);
  r.sample = Get<int>(o, "sample", where, 0, true);
  r.correct = Get<bool>(o, "correct", where, false, true);
  r.text = Get<std::string>(o, "text", where, "", false);
  r.extracted = Get<std::string>(o, "extracted", where, "", false);
  r.answer = Get<std::string>(o, "answer", where, "", false);
  r.large_tokens = Get<std::int64_t>(o, "large_tokens", where, 0, false);
  r.small_tokens = Get<std::int64_t>(o, "small_tokens", where, 0, false);
  r.switches_l_to_s = Get<std::int64_t>(o, "switches_l_to_s", where, 0, false);
  r.switches_s_to_l = Get<std::int64_t>(o, "switches_s_to_l", where, 0, false);
  r.large_utilization = Get<double>(o, "large_utilization", where, 0, false);
  r.wall_ms = Get<double>(o, "wall_ms", where, 0, false);
  if (r.sample < 0) throw Error(where + ": 'sample' must be >= 0");
  for (auto it = o.begin(); it != o.end(); ++it) {
    bool known = false;
    for (const char* f : kKnownFields) known = known || it.key() == f;
    if (!known) r.extra[it.key()] = it.value();
  }
  return r;
}

RunKey KeyOf(const RunRecord& r) { return RunKey(r.dataset, r.policy, r.id, r.sample); }

std::vector<RunRecord> ReadRunFile(const std::string& path, std::size_t* torn_bytes) {
  return ParseRunLines(ReadAll(path), path, torn_bytes);
}

RunWriter::RunWriter(const std::string& path, bool resume) : path_(path) {
  // Refused before opening: a refused run must leave the file exactly as it was (opening cuts a
  // torn last line off).
  struct stat st;
  if (!resume && ::stat(path.c_str(), &st) == 0 && st.st_size > 0) {
    throw Error(path + " already has results: pass --resume to continue it, or choose another --out");
  }
  lines_ = std::make_unique<DurableLineWriter>(path);
  existing_ = ReadRunFile(path);
  for (const auto& r : existing_) done_.insert(KeyOf(r));
}

void RunWriter::Append(const RunRecord& record) {
  RunKey key = KeyOf(record);
  if (Done(key)) {
    throw Error(path_ + ": id " + record.id + " sample " + std::to_string(record.sample) +
                " of " + record.dataset + "/" + record.policy + " is already recorded");
  }
  lines_->Append(RunRecordToJson(record).dump(-1, ' ', false, json::error_handler_t::replace));
  done_.insert(key);
}

}  // namespace relaygen
