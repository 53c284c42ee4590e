#include "server/http_framing.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ink::server {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

FramingProblem bad(std::string message) {
  return FramingProblem{400, "bad_request", std::move(message)};
}

}  // namespace

std::optional<FramingProblem> check_raw_header(std::string_view raw) {
  // Skip the request line; any later line that begins with a space or tab
  // continues the previous field (obs-fold).
  auto line_end = raw.find("\r\n");
  while (line_end != std::string_view::npos && line_end + 2 < raw.size()) {
    char next = raw[line_end + 2];
    if (next == ' ' || next == '\t')
      return bad("a header field is folded over several lines (obs-fold); send it on one line");
    line_end = raw.find("\r\n", line_end + 2);
  }
  return std::nullopt;
}

std::optional<FramingProblem> check_framing(unsigned version, std::span<const HeaderField> fields) {
  size_t hosts = 0, content_lengths = 0;
  std::optional<std::string_view> content_length;
  std::vector<std::string_view> codings;  // every Transfer-Encoding, in order
  bool has_transfer_encoding = false;
  for (const auto& [name, value] : fields) {
    if (iequals(name, "host")) {
      ++hosts;
    } else if (iequals(name, "content-length")) {
      ++content_lengths;
      content_length = trim(value);
    } else if (iequals(name, "transfer-encoding")) {
      has_transfer_encoding = true;
      std::string_view rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = trim(rest.substr(0, comma));
        // Parameters (";q=...") are not allowed on codings we accept anyway.
        if (!item.empty()) codings.push_back(item);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    }
  }
  if (version >= 11 && hosts != 1)
    return bad(hosts == 0 ? "an HTTP/1.1 request needs a Host header"
                          : "more than one Host header");
  if (content_lengths > 1) return bad("duplicate Content-Length");
  if (content_length) {
    const auto& v = *content_length;
    if (v.empty() || v.size() > 18 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad("Content-Length must be one decimal number");
  }
  if (!has_transfer_encoding) return std::nullopt;
  if (content_length) return bad("both Content-Length and Transfer-Encoding");
  if (version < 11) return bad("Transfer-Encoding is not allowed in HTTP/1.0");
  if (codings.empty() || !iequals(codings.back(), "chunked"))
    return bad("the final Transfer-Encoding must be chunked");
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) return bad("chunked may only be the final coding");
    return FramingProblem{501, "not_implemented",
                          "transfer coding '" + std::string(codings[i].substr(0, 40)) +
                              "' is not supported; send the body with chunked alone or "
                              "Content-Length"};
  }
  return std::nullopt;
}

}  // namespace ink::server
