#include "server/http_text.h"

#include <charconv>
#include <vector>

namespace ink::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 9110 qvalue: 0, 1, 0.d{0,3} or 1.0{0,3}; anything else counts as 0.
double parse_q(std::string_view v) {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return 0;
  if (v.size() == 1) return v[0] - '0';
  if (v[1] != '.') return 0;
  double q = v[0] - '0', scale = 0.1;
  for (size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return 0;
    q += (v[i] - '0') * scale;
  }
  return q > 1 ? 0 : q;
}

}  // namespace

const char* mime(Format f) {
  switch (f) {
    case Format::kCbor:
      return "application/cbor";
    case Format::kText:
      return "text/plain; charset=utf-8";
    default:
      return "application/json";
  }
}

std::string media_type(std::string_view header) {
  auto semi = header.find(';');
  return lower(trim(header.substr(0, semi)));
}

std::optional<Format> request_format(std::string_view content_type) {
  auto t = media_type(content_type);
  if (t.empty() || t == "application/json") return Format::kJson;
  if (t == "application/cbor") return Format::kCbor;
  return std::nullopt;
}

std::optional<Format> negotiate(const std::optional<std::string>& accept, Format preferred,
                                bool allow_text) {
  if (!accept || trim(*accept).empty()) return preferred;
  struct Best {
    int specificity = -1;
    double q = 0;
  };
  std::map<Format, Best> best;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto semi = item.find(';');
    std::string range = lower(trim(item.substr(0, semi)));
    double q = 1;
    while (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      auto next = params.find(';');
      auto param = trim(params.substr(0, next));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        q = parse_q(trim(param.substr(2)));
      semi = next == std::string_view::npos ? std::string_view::npos : semi + 1 + next;
    }
    auto consider = [&](Format f, std::string_view type) {
      int spec = -1;
      if (range == type)
        spec = 2;
      else if (range == std::string(type.substr(0, type.find('/'))) + "/*")
        spec = 1;
      else if (range == "*/*")
        spec = 0;
      if (spec > best[f].specificity) best[f] = Best{spec, q};
    };
    consider(Format::kJson, "application/json");
    consider(Format::kCbor, "application/cbor");
    if (allow_text) consider(Format::kText, "text/plain");
  }
  std::optional<Format> chosen;
  double chosen_q = 0;
  for (Format f : {preferred, Format::kJson, Format::kCbor, Format::kText}) {
    auto it = best.find(f);
    if (it == best.end() || it->second.specificity < 0 || it->second.q <= 0) continue;
    if (!chosen || it->second.q > chosen_q) {
      chosen = f;
      chosen_q = it->second.q;
    }
  }
  return chosen;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi << 4 | lo);
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : percent_decode(part.substr(eq + 1));
    if (!name || !value) throw ApiError{400, "bad_request", "malformed query string"};
    out.emplace(*name, *value);
  }
  return out;
}

std::optional<uint64_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (v > uint64_t(INT64_MAX)) return std::nullopt;
  return v;
}

uint64_t index_or_400(std::string_view s) {
  auto v = parse_index(s);
  if (!v)
    throw ApiError{400, "bad_request",
                   "'" + std::string(s.substr(0, 40)) +
                       "' is not an interval index (a decimal number without leading zeros)"};
  return *v;
}

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace ink::server
