// YAML stream to nlohmann::json with a budget (see yaml_json.h): YAML::Parser drives an event
// handler that builds JSON directly, charging every value before it is allocated.
#include "operator/simulate/yaml_json.h"

#include <cstdio>
#include <istream>
#include <map>
#include <new>
#include <stdexcept>
#include <streambuf>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "operator/util/text.h"

namespace kubemesos::simulate {
namespace {

using nlohmann::json;

// Longest piece of user text (a key, a character) quoted in a message.
constexpr size_t kQuoteBytes = 64;

// An error at a position of the input.
class YamlError : public std::runtime_error {
 public:
  YamlError(const YAML::Mark& mark, const std::string& what)
      : std::runtime_error(what), mark(mark) {}
  YAML::Mark mark;
};

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

std::string Quote(const std::string& s) {
  std::string q = util::SanitizeUtf8(s, kQuoteBytes);
  return "\"" + q + (q.size() < s.size() ? "...\"" : "\"");
}

std::string Hex(unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", byte);
  return buf;
}

std::string Size(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

// The raw text must be UTF-8 without control characters other than tab, LF and CR (YAML 1.2
// allows UTF-16 and UTF-32 too; Kubernetes manifests are UTF-8, and kubectl refuses what this
// refuses). Invalid bytes are refused rather than replaced: a replaced byte would silently turn
// one name into another (two distinct names could even become the same one).
bool CheckText(const std::string& text, std::string* error) {
  auto starts_with = [&](std::string_view prefix) {
    return std::string_view(text).substr(0, prefix.size()) == prefix;
  };
  if (starts_with("\xFE\xFF") || starts_with("\xFF\xFE") ||
      starts_with(std::string_view("\0\0", 2))) {
    *error = "line 1, column 1: UTF-16 and UTF-32 input is not supported: convert it to UTF-8";
    return false;
  }
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::string where =
        "line " + std::to_string(line) + ", column " + std::to_string(i - line_start + 1) + ": ";
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (c < 0x20 && c != '\t' && c != '\r') {
      *error = where + "control character " + Hex(c) + " (YAML text may not contain it)";
      return false;
    }
    size_t n = util::Utf8SequenceLength(text, i);
    if (n == 0) {
      *error = where + "invalid UTF-8 (byte " + Hex(c) + "): the input must be UTF-8";
      return false;
    }
    i += n;
  }
  return true;
}

// Reads a string in place (std::istringstream would copy the whole input).
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(const std::string& text) {
    char* begin = const_cast<char*>(text.data());  // never written: this is an input buffer
    setg(begin, begin, begin + text.size());
  }
};

// Builds the JSON of each document from the parser's events. The open collections are on a
// stack of pointers into the document's tree: only the innermost one changes while it is open,
// so the pointers to its ancestors stay valid.
class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(const std::string& text, YamlBudget& budget, std::vector<YamlDocument>* documents)
      : text_(text), budget_(budget), documents_(documents) {}
  ~JsonBuilder() override {
    ReleaseJson(root_);
    for (auto& [anchor, stored] : anchors_) ReleaseJson(stored.value);
  }
  JsonBuilder(const JsonBuilder&) = delete;
  JsonBuilder& operator=(const JsonBuilder&) = delete;

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 reports a new document, again and again, when a token it cannot place (a
    // lone ",") is never consumed: yaml-cpp#1040. A document that starts where the previous
    // one started made no progress.
    if (index_ > 0 && mark.pos == last_start_) throw YamlError(mark, Unexpected(mark));
    last_start_ = mark.pos;
    ++index_;
    frames_.clear();
    item_lines_.clear();
    line_ = mark.line + 1;  // until the root node comes
  }

  void OnDocumentEnd() override {
    for (auto& [anchor, stored] : anchors_) ReleaseJson(stored.value);
    anchors_.clear();
    if (root_.is_null()) return;  // an empty document
    documents_->push_back({index_, line_, std::move(root_), std::move(item_lines_)});
    root_ = nullptr;
    item_lines_ = {};
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (AtKey()) throw YamlError(mark, "a map key must be a string, not null");
    Charge(mark, 1, 0, false);
    *Place(mark) = nullptr;
    if (anchor) Store(mark, anchor, json(nullptr), 1, 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (AtKey()) throw YamlError(mark, "an alias cannot be a map key");
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw YamlError(mark, "the alias refers to a node that contains it (a recursive alias)");
    }
    // Charged before the copy is made: the copy is what a "billion laughs" multiplies.
    Charge(mark, it->second.values, it->second.bytes, true);
    *Place(mark) = it->second.value;
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    CheckUtf8(mark, text);
    if (AtKey()) {
      Frame& map = frames_.back();
      if (map.value->contains(text)) throw YamlError(mark, "duplicate key " + Quote(text));
      Charge(mark, 0, text.size(), false);
      map.key = text;
      map.have_key = true;
      if (anchor) Store(mark, anchor, json(text), 1, text.size());
      return;
    }
    json value;
    if (tag == "?" || tag.empty()) {
      value = ResolvePlainScalar(text);
    } else if (auto typed = ResolveTagged(tag, text)) {
      value = std::move(*typed);
    } else {
      throw YamlError(mark,
                      "invalid !!" + tag.substr(tag.rfind(':') + 1) + " value " + Quote(text));
    }
    Charge(mark, 1, text.size(), false);
    if (anchor) Store(mark, anchor, value, 1, text.size());
    *Place(mark) = std::move(value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, false);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, true);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    json* value;  // the collection, inside root_
    bool map;
    bool items;  // the `items` sequence of a root mapping: item lines are recorded
    YAML::Mark mark;
    YAML::anchor_t anchor;
    size_t values_before, bytes_before;  // tree_values_, tree_bytes_ when it opened
    bool have_key = false;               // a map: the key of the next value is `key`
    std::string key;
  };
  struct Anchored {
    json value;
    size_t values, bytes;
  };

  bool AtKey() const { return !frames_.empty() && frames_.back().map && !frames_.back().have_key; }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, bool map) {
    if (AtKey()) {
      throw YamlError(
          mark, std::string("a map key must be a string, not a ") + (map ? "mapping" : "sequence"));
    }
    if (frames_.size() >= static_cast<size_t>(budget_.limits.max_depth)) {
      throw YamlError(
          mark, "nesting deeper than " + std::to_string(budget_.limits.max_depth) + " levels");
    }
    bool items = !map && frames_.size() == 1 && frames_[0].map && frames_[0].key == "items";
    Charge(mark, 1, 0, false);
    size_t values_before = tree_values_ - 1, bytes_before = tree_bytes_;
    json* slot = Place(mark);
    *slot = map ? json::object() : json::array();
    frames_.push_back({slot, map, items, mark, anchor, values_before, bytes_before, false, {}});
  }

  void Close() {
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    if (frame.anchor) {
      Store(frame.mark, frame.anchor, *frame.value, tree_values_ - frame.values_before,
            tree_bytes_ - frame.bytes_before);
    }
  }

  // Where the next value goes: the document root, the end of the open sequence, or the open
  // map's pending key.
  json* Place(const YAML::Mark& mark) {
    if (frames_.empty()) {
      line_ = mark.line + 1;  // the object's first line (not its "---")
      return &root_;
    }
    Frame& top = frames_.back();
    if (top.map) {
      top.have_key = false;
      return &(*top.value)[top.key];
    }
    if (top.items) item_lines_.push_back(mark.line + 1);
    top.value->push_back(nullptr);
    return &top.value->back();
  }

  // Keeps a copy of an anchored node for its aliases. The copy is memory too: it is charged
  // (an anchor on each of 100 nested levels would otherwise copy the innermost 100 times).
  void Store(const YAML::Mark& mark, YAML::anchor_t anchor, const json& value, size_t values,
             size_t bytes) {
    Charge(mark, values, bytes, false, /*tree=*/false);
    anchors_[anchor] = {value, values, bytes};
  }

  // Draws on the budget, or throws when a limit would be exceeded.
  void Charge(const YAML::Mark& mark, size_t values, size_t bytes, bool alias, bool tree = true) {
    const YamlLimits& limits = budget_.limits;
    auto over = [](size_t used, size_t more, size_t limit) { return more > limit - used; };
    static constexpr const char* all = " (the limit for all documents of the input)";
    if (alias && over(budget_.alias_values, values, limits.max_alias_values)) {
      throw YamlError(mark, "aliases expand to more than " +
                                std::to_string(limits.max_alias_values) + " values" + all);
    }
    if (over(budget_.values, values, limits.max_values)) {
      throw YamlError(mark, "more than " + std::to_string(limits.max_values) +
                                " values, aliases expanded" + all);
    }
    if (over(budget_.string_bytes, bytes, limits.max_string_bytes)) {
      throw YamlError(mark, "more than " + Size(limits.max_string_bytes) +
                                " of keys and strings, aliases expanded" + all);
    }
    if (alias) budget_.alias_values += values;
    budget_.values += values;
    budget_.string_bytes += bytes;
    if (tree) {
      tree_values_ += values;
      tree_bytes_ += bytes;
    }
  }

  // Escapes ("\uD800", "\xFF" is U+00FF and fine) can make invalid UTF-8 from valid text.
  static void CheckUtf8(const YAML::Mark& mark, const std::string& s) {
    for (size_t i = 0; i < s.size();) {
      size_t n = util::Utf8SequenceLength(s, i);
      if (n == 0) {
        throw YamlError(mark, "the string is not valid UTF-8 (byte " +
                                  Hex(static_cast<unsigned char>(s[i])) + " at offset " +
                                  std::to_string(i) + "; an escape such as \\uD800?)");
      }
      i += n;
    }
  }

  std::string Unexpected(const YAML::Mark& mark) const {
    if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) return "unexpected token";
    unsigned char c = static_cast<unsigned char>(text_[mark.pos]);
    if (c > 0x20 && c < 0x7F) return "unexpected \"" + std::string(1, static_cast<char>(c)) + "\"";
    return "unexpected token";
  }

  const std::string& text_;
  YamlBudget& budget_;
  std::vector<YamlDocument>* documents_;
  int index_ = 0;
  int line_ = 0;  // of the document's root node
  int last_start_ = -1;
  json root_;
  std::vector<Frame> frames_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::vector<int> item_lines_;
  size_t tree_values_ = 0, tree_bytes_ = 0;  // values and bytes placed in documents (not copies)
};

}  // namespace

void ReleaseJson(nlohmann::json& value) {
  if (value.is_array()) {
    auto& items = value.get_ref<json::array_t&>();
    while (!items.empty()) {
      json item = std::move(items.back());
      items.pop_back();
      ReleaseJson(item);
    }
  } else if (value.is_object()) {
    auto& members = value.get_ref<json::object_t&>();
    while (!members.empty()) {
      json member = std::move(members.begin()->second);
      members.erase(members.begin());
      ReleaseJson(member);
    }
  }
  value = nullptr;  // an empty container is destroyed without allocating
}

std::string InputTooLarge(const YamlLimits& limits) {
  return "more than " + Size(limits.max_input_bytes) +
         " of input (the limit for all input files together)";
}

bool ParseYamlDocuments(const std::string& text, std::vector<YamlDocument>* documents,
                        std::string* error, YamlBudget* budget) {
  YamlBudget local;
  if (budget == nullptr) budget = &local;
  try {
    if (text.size() > budget->limits.max_input_bytes - budget->input_bytes) {
      *error = InputTooLarge(budget->limits);
      return false;
    }
    budget->input_bytes += text.size();
    if (!CheckText(text, error)) return false;
    MemoryBuffer buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    JsonBuilder builder(text, *budget, documents);
    while (parser.HandleNextDocument(builder)) {
    }
    return true;
  } catch (const YamlError& e) {
    *error = Where(e.mark) + e.what();
  } catch (const std::bad_alloc&) {
    throw;  // the caller decides (`simulate` exits 3)
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (500 levels of its recursion); the builder's limit comes first.
    *error = Where(e.mark) + "nesting too deep";
  } catch (const YAML::Exception& e) {
    *error = Where(e.mark) + e.msg;
  } catch (const std::exception& e) {
    *error = std::string("cannot parse YAML: ") + e.what();
  }
  *error = util::SanitizeUtf8(*error);
  return false;
}

}  // namespace kubemesos::simulate
