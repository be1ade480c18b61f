#include "output/inventory_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/json_writer.h"
#include "output/device_json.h"

namespace sekisho::output {

std::vector<const inventory::Device*> sorted_devices(const std::deque<inventory::Device>& devices) {
  std::vector<const inventory::Device*> out;
  out.reserve(devices.size());
  for (const auto& d : devices) out.push_back(&d);
  std::sort(out.begin(), out.end(), [](const inventory::Device* a, const inventory::Device* b) {
    if (a->first_seen != b->first_seen) return a->first_seen < b->first_seen;
    return a->mac < b->mac;
  });
  return out;
}

namespace {
// Re-indents JsonWriter output exactly as nlohmann::json::parse(text).dump(2) would (keys
// sorted, two-space indent, its string escaping), without building a DOM. Input it does
// not expect (fractions, duplicate or escaped keys) makes it give up; the caller then
// takes the nlohmann path, so the document is the same either way.
class PrettyPrinter {
 public:
  PrettyPrinter(std::string_view in, std::string& out) : in_(in), out_(out) {}
  // The whole input as one value, its first line not indented (it may follow a key) and
  // the rest at `level`.
  bool run(int level = 0) {
    size_t end = skip(0);
    if (!ok_ || end != in_.size()) return false;
    emit(0, level);
    return ok_;
  }

 private:
  size_t skip_string(size_t p) {
    for (++p; p < in_.size(); ++p) {
      if (in_[p] == '\\')
        ++p;
      else if (in_[p] == '"')
        return p + 1;
    }
    ok_ = false;
    return in_.size();
  }
  // End of the value starting at p.
  size_t skip(size_t p) {
    if (!ok_ || p >= in_.size()) {
      ok_ = false;
      return in_.size();
    }
    switch (in_[p]) {
      case '{':
      case '[': {
        const char close = in_[p] == '{' ? '}' : ']';
        ++p;
        if (p < in_.size() && in_[p] == close) return p + 1;
        while (ok_) {
          if (close == '}') {
            if (p >= in_.size() || in_[p] != '"') break;
            p = skip_string(p);
            if (p >= in_.size() || in_[p] != ':') break;
            ++p;
          }
          p = skip(p);
          if (p < in_.size() && in_[p] == ',') {
            ++p;
            continue;
          }
          if (p < in_.size() && in_[p] == close) return p + 1;
          break;
        }
        ok_ = false;
        return in_.size();
      }
      case '"': return skip_string(p);
      case 't': return p + 4;
      case 'f': return p + 5;
      case 'n': return p + 4;
      default: {
        size_t q = p;
        if (in_[q] == '-') ++q;
        while (q < in_.size() && in_[q] >= '0' && in_[q] <= '9') ++q;
        if (q == p || (q < in_.size() && (in_[q] == '.' || in_[q] == 'e' || in_[q] == 'E'))) ok_ = false;
        return q;
      }
    }
  }
  void indent(int level) { out_.append(size_t(level) * 2, ' '); }
  // Writes the value at p; returns the offset just past it.
  size_t emit(size_t p, int level) {
    if (!ok_) return in_.size();  // the result is discarded: stop before offsets go wrong
    switch (in_[p]) {
      case '{': {
        struct Member {
          std::string_view key;
          size_t value;
        };
        std::vector<Member> members;
        size_t q = p + 1;
        while (ok_ && in_[q] != '}') {
          size_t kend = skip_string(q);
          std::string_view key = in_.substr(q + 1, kend - q - 2);
          if (key.find('\\') != std::string_view::npos) ok_ = false;
          members.push_back({key, kend + 1});
          q = skip(kend + 1);
          if (q < in_.size() && in_[q] == ',') ++q;
        }
        if (!ok_) return in_.size();
        if (members.empty()) {
          out_ += "{}";
          return q + 1;
        }
        std::stable_sort(members.begin(), members.end(),
                         [](const Member& a, const Member& b) { return a.key < b.key; });
        for (size_t i = 1; i < members.size(); ++i)
          if (members[i].key == members[i - 1].key) ok_ = false;
        if (!ok_) return in_.size();
        out_ += "{\n";
        for (size_t i = 0; i < members.size(); ++i) {
          indent(level + 1);
          out_ += '"';
          out_ += members[i].key;
          out_ += "\": ";
          emit(members[i].value, level + 1);
          out_ += i + 1 < members.size() ? ",\n" : "\n";
        }
        indent(level);
        out_ += '}';
        return q + 1;
      }
      case '[': {
        if (in_[p + 1] == ']') {
          out_ += "[]";
          return p + 2;
        }
        out_ += "[\n";
        size_t q = p + 1;
        for (;;) {
          indent(level + 1);
          q = emit(q, level + 1);
          if (!ok_ || q >= in_.size() || in_[q] == ']') break;
          ++q;
          out_ += ",\n";
        }
        out_ += '\n';
        indent(level);
        out_ += ']';
        return q + 1;
      }
      case '"': return emit_string(p);
      default: {
        const size_t end = skip(p);
        out_.append(in_.substr(p, end - p));
        return end;
      }
    }
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  unsigned read_u4(size_t p) {
    unsigned v = 0;
    for (size_t i = 0; i < 4; ++i) {
      int h = p + i < in_.size() ? hex(in_[p + i]) : -1;
      if (h < 0) {
        ok_ = false;
        return 0;
      }
      v = v * 16 + unsigned(h);
    }
    return v;
  }
  void put_code_point(unsigned cp) {
    static constexpr char kHex[] = "0123456789abcdef";
    switch (cp) {
      case 0x08: out_ += "\\b"; return;
      case 0x09: out_ += "\\t"; return;
      case 0x0a: out_ += "\\n"; return;
      case 0x0c: out_ += "\\f"; return;
      case 0x0d: out_ += "\\r"; return;
      case '"': out_ += "\\\""; return;
      case '\\': out_ += "\\\\"; return;
      default: break;
    }
    if (cp < 0x20) {
      out_ += "\\u00";
      out_ += kHex[cp >> 4];
      out_ += kHex[cp & 15];
    } else if (cp < 0x80) {
      out_ += char(cp);
    } else if (cp < 0x800) {
      out_ += char(0xc0 | (cp >> 6));
      out_ += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out_ += char(0xe0 | (cp >> 12));
      out_ += char(0x80 | ((cp >> 6) & 0x3f));
      out_ += char(0x80 | (cp & 0x3f));
    } else {
      out_ += char(0xf0 | (cp >> 18));
      out_ += char(0x80 | ((cp >> 12) & 0x3f));
      out_ += char(0x80 | ((cp >> 6) & 0x3f));
      out_ += char(0x80 | (cp & 0x3f));
    }
  }
  size_t emit_string(size_t p) {
    const size_t after = skip_string(p);
    const size_t end = after - 1;
    out_ += '"';
    for (size_t q = p + 1; q < end; ++q) {
      // Runs of raw bytes at once: printable ASCII or valid UTF-8 (JsonWriter escapes
      // everything else; a raw control byte cannot occur).
      size_t r = q;
      while (r < end && in_[r] != '\\' && static_cast<unsigned char>(in_[r]) >= 0x20) ++r;
      out_.append(in_.substr(q, r - q));
      q = r;
      if (q == end) break;
      if (in_[q] != '\\') {
        ok_ = false;
        return after;
      }
      char e = in_[++q];
      switch (e) {
        case '"': put_code_point('"'); break;
        case '\\': put_code_point('\\'); break;
        case '/': put_code_point('/'); break;
        case 'b': put_code_point(0x08); break;
        case 'f': put_code_point(0x0c); break;
        case 'n': put_code_point(0x0a); break;
        case 'r': put_code_point(0x0d); break;
        case 't': put_code_point(0x09); break;
        case 'u': {
          unsigned cp = read_u4(q + 1);
          q += 4;
          if (cp >= 0xd800 && cp <= 0xdfff) {
            // A surrogate pair, or give up (nlohmann rejects a lone surrogate).
            if (cp > 0xdbff || q + 6 >= end || in_[q + 1] != '\\' || in_[q + 2] != 'u') {
              ok_ = false;
              break;
            }
            unsigned lo = read_u4(q + 3);
            if (lo < 0xdc00 || lo > 0xdfff) {
              ok_ = false;
              break;
            }
            q += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          put_code_point(cp);
          break;
        }
        default: ok_ = false; break;
      }
    }
    out_ += '"';
    return after;
  }

  std::string_view in_;
  std::string& out_;
  bool ok_ = true;
};
}  // namespace

std::string inventory_json(const std::vector<const inventory::Device*>& devices) {
  // Devices are independent values: each is written and re-indented on its own, in parallel
  // chunks for a large inventory (tens of MB at the end of a long capture). The bytes are
  // those of the whole document re-indented at once, which stays the fallback.
  const size_t n = devices.size();
  const size_t workers = n >= 1024 ? std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8) : 1;
  std::vector<std::string> parts(workers);
  std::vector<char> ok(workers, 1);
  auto work = [&](size_t w) {
    std::string compact;
    std::string& out = parts[w];
    for (size_t i = n * w / workers; i < n * (w + 1) / workers; ++i) {
      compact.clear();
      core::JsonWriter jw(compact);
      write_device(jw, *devices[i], true);
      out.append(4, ' ');
      if (!PrettyPrinter(compact, out).run(2)) {
        ok[w] = 0;
        return;
      }
      out += i + 1 < n ? ",\n" : "\n";
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  if (std::find(ok.begin(), ok.end(), 0) == ok.end()) {
    std::string doc = "{\n  \"device_count\": " + std::to_string(n) + ",\n  \"devices\": ";
    if (n == 0) return doc + "[]\n}\n";
    size_t size = doc.size() + 8;
    for (const auto& p : parts) size += p.size();
    doc.reserve(size);
    doc += "[\n";
    for (const auto& p : parts) doc += p;
    doc += "  ]\n}\n";
    return doc;
  }
  std::string compact;
  core::JsonWriter w(compact);
  w.begin_object();
  w.field("device_count", uint64_t(devices.size()));
  w.key("devices").begin_array();
  for (const auto* d : devices) write_device(w, *d, true);
  w.end_array();
  w.end_object();
  std::string doc = json_pretty(compact);
  doc += '\n';
  return doc;
}

std::string json_pretty(std::string_view compact) {
  std::string pretty;
  pretty.reserve(compact.size() * 2);
  if (PrettyPrinter(compact, pretty).run()) return pretty;
  return nlohmann::json::parse(compact).dump(2);
}

namespace {
// Display width of UTF-8 text (code points; good enough for vendor and host names).
size_t width_of(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}
std::string fit(std::string_view s, size_t w) {
  if (width_of(s) <= w) {
    std::string out(s);
    out.append(w - width_of(s), ' ');
    return out;
  }
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n < w - 1; ++i) {
    out += s[i];
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) ++n;
    // keep multi-byte sequences whole
    while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80) out += s[++i];
  }
  out += "…";
  return out;
}
}  // namespace

std::string inventory_table(const std::vector<const inventory::Device*>& devices, size_t width) {
  struct Col {
    const char* title;
    size_t w;
  };
  const Col cols[] = {{"MAC", 17}, {"VENDOR", 24}, {"CLASS", 8}, {"ADDRESS", 15}, {"HOSTNAME", 18}, {"DNS NAMES", 40}};
  std::string out;
  auto row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += i + 1 < cells.size() ? fit(cells[i], cols[i].w) : cells[i];
      if (i + 1 < cells.size()) line += "  ";
    }
    if (width && width_of(line) > width) line = fit(line, width);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<std::string> head;
  for (const auto& c : cols) head.emplace_back(c.title);
  row(head);
  for (const auto* d : devices) {
    std::string addr;
    for (const auto& a : d->addresses)
      if (a.ip.is_v4()) {
        addr = a.ip.to_string();
        break;
      }
    if (addr.empty() && !d->addresses.empty()) addr = d->addresses.front().ip.to_string();
    std::string names;
    for (size_t i = 0; i < d->dns_names.size() && i < 2; ++i) {
      if (i) names += ", ";
      names += d->dns_names[i];
    }
    if (d->dns_names.size() > 2) names += " +" + std::to_string(d->dns_names.size() - 2);
    if (names.empty() && !d->mdns_services.empty()) names = "mdns: " + d->mdns_services.front();
    std::string vendor = d->randomized ? "(randomized MAC)" : d->vendor.empty() ? "-" : d->vendor;
    row({d->mac.to_string(), vendor, inventory::class_name(d->cls), addr.empty() ? "-" : addr,
         d->hostname.empty() ? "-" : d->hostname, names.empty() ? "-" : names});
  }
  out += std::to_string(devices.size()) + " devices\n";
  return out;
}

}  // namespace sekisho::output
