#pragma once
// Reading the audit's TOML data files (catalogs, cross-walk, facts, rules) strictly: every
// error names the file, the line and the field, unknown keys are errors, texts are single
// lines without control characters. Internal to src/audit.
#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/catalog.h"
#include "core/result.h"

namespace sekisho::audit::detail {

constexpr size_t kMaxDataFileBytes = 8u << 20;

inline core::Error data_error(const std::string& where, std::string what) {
  return core::make_error(core::ErrorCode::kFormat, where, std::move(what));
}

// "file:line" of a node (the file alone when the node has no position).
inline std::string at(const std::string& file, const toml::node* n) {
  if (!n || !n->source().begin.line) return file;
  return file + ":" + std::to_string(n->source().begin.line);
}

// Parses `text`; a syntax error comes back as "file:line:column: description".
inline core::Result<toml::table> parse_toml(std::string_view text, const std::string& file, std::string_view what) {
  if (text.size() > kMaxDataFileBytes) return data_error(file, "larger than 8 MiB; not a " + std::string(what));
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return data_error(file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                      std::string(e.description()));
  }
}

// The first key of `t` not in `allowed`, as an error naming it; nullopt when all are known.
inline std::optional<core::Error> unknown_key(const toml::table& t, std::initializer_list<std::string_view> allowed,
                                              const std::string& file, std::string_view context) {
  for (const auto& [k, v] : t) {
    bool known = false;
    for (auto a : allowed) known = known || a == k.str();
    if (!known)
      return data_error(at(file, &v),
                        std::string(context) + "unknown field '" + std::string(k.str().substr(0, 64)) + "'");
  }
  return std::nullopt;
}

inline bool clean_line(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return s.empty() || (s.front() != ' ' && s.back() != ' ');
}

// A required (or optional, when `required` is false) single-line string field.
inline std::optional<core::Error> read_string(const toml::table& t, std::string_view key, bool required,
                                              std::string& out, const std::string& file, std::string_view context,
                                              size_t max = 2000) {
  const toml::node* n = t.get(key);
  const std::string field = std::string(context) + "field '" + std::string(key) + "'";
  if (!n) {
    if (required) return data_error(at(file, &t), field + " is missing");
    return std::nullopt;
  }
  const auto s = n->value<std::string_view>();
  if (!n->is_string() || !s) return data_error(at(file, n), field + " must be a string");
  if (required && s->empty()) return data_error(at(file, n), field + " is empty");
  if (s->size() > max) return data_error(at(file, n), field + " is longer than " + std::to_string(max) + " bytes");
  if (!clean_line(*s))
    return data_error(at(file, n), field + " must be one line without control characters or edge spaces");
  out.assign(*s);
  return std::nullopt;
}

// A { ja = "...", en = "..." } table, both required and non-empty.
inline std::optional<core::Error> read_text(const toml::table& t, std::string_view key, bool required, Text& out,
                                            const std::string& file, std::string_view context,
                                            bool* present = nullptr) {
  const toml::node* n = t.get(key);
  const std::string field = std::string(context) + "field '" + std::string(key) + "'";
  if (present) *present = n != nullptr;
  if (!n) {
    if (required) return data_error(at(file, &t), field + " is missing");
    return std::nullopt;
  }
  const toml::table* tt = n->as_table();
  if (!tt) return data_error(at(file, n), field + " must be a table { ja = \"...\", en = \"...\" }");
  if (auto e = unknown_key(*tt, {"ja", "en"}, file, field + ": ")) return e;
  if (auto e = read_string(*tt, "ja", true, out.ja, file, field + ": ", 4000)) return e;
  if (auto e = read_string(*tt, "en", true, out.en, file, field + ": ", 4000)) return e;
  return std::nullopt;
}

// An array of single-line strings (`required`: present and non-empty).
inline std::optional<core::Error> read_strings(const toml::table& t, std::string_view key, bool required,
                                               std::vector<std::string>& out, const std::string& file,
                                               std::string_view context, size_t max_items = 1000) {
  const toml::node* n = t.get(key);
  const std::string field = std::string(context) + "field '" + std::string(key) + "'";
  if (!n) {
    if (required) return data_error(at(file, &t), field + " is missing");
    return std::nullopt;
  }
  const toml::array* a = n->as_array();
  if (!a) return data_error(at(file, n), field + " must be an array of strings");
  if (required && a->empty()) return data_error(at(file, n), field + " is empty");
  if (a->size() > max_items) return data_error(at(file, n), field + " has too many items");
  for (const toml::node& e : *a) {
    const auto s = e.value<std::string_view>();
    if (!e.is_string() || !s || s->empty() || s->size() > 2000 || !clean_line(*s))
      return data_error(at(file, n), field + " must hold non-empty one-line strings");
    out.emplace_back(*s);
  }
  return std::nullopt;
}

}  // namespace sekisho::audit::detail
