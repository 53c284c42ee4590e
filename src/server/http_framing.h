#pragma once
// How a request says where it ends, checked before anything acts on it
// (RFC 9112 sections 5.2, 6.1, 6.3; RFC 9110 section 8.6). A request whose
// framing is ambiguous is refused and its connection closed, so a body can
// never be read as the next request (request smuggling), whatever proxy sits
// in front. Pure: no sockets, no Beast; server.cpp feeds it what it parsed.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ink::server {

struct FramingProblem {
  int status;  // 400, or 501 for a transfer coding we do not implement
  std::string code;
  std::string message;
};

// The request line and header fields exactly as received, up to and including
// the empty line: refuses obs-fold (a field line continued on the next line),
// which parsers disagree on.
std::optional<FramingProblem> check_raw_header(std::string_view raw_header);

using HeaderField = std::pair<std::string_view, std::string_view>;  // name, value

// The parsed header: version is 10 or 11. Refuses HTTP/1.1 without exactly
// one Host; more than one Content-Length, or one that is not a single decimal
// number ("12, 12" included); Content-Length with Transfer-Encoding;
// Transfer-Encoding in HTTP/1.0 or whose final coding is not chunked (400);
// any coding besides chunked (501).
std::optional<FramingProblem> check_framing(unsigned version, std::span<const HeaderField> fields);

}  // namespace ink::server
