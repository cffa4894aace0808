// Structured logs: one JSON object a line on stderr ({"ts", "level", "msg", fields...}), with a
// settable minimum level. Thread-safe; lines from different threads never interleave.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kubemesos::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Parses "debug", "info", "warn" or "error"; false on anything else.
bool ParseLevel(std::string_view text, Level& level);
void SetLevel(Level level);
bool Enabled(Level level);

// Writes one line if `level` is enabled. `fields` must be a JSON object (or null).
void Write(Level level, std::string_view msg, const nlohmann::json& fields = nullptr);

inline void Debug(std::string_view msg, const nlohmann::json& f = nullptr) {
  Write(Level::kDebug, msg, f);
}
inline void Info(std::string_view msg, const nlohmann::json& f = nullptr) {
  Write(Level::kInfo, msg, f);
}
inline void Warn(std::string_view msg, const nlohmann::json& f = nullptr) {
  Write(Level::kWarn, msg, f);
}
inline void Error(std::string_view msg, const nlohmann::json& f = nullptr) {
  Write(Level::kError, msg, f);
}

}  // namespace kubemesos::log
