#include "core/uuid.h"

#include <openssl/rand.h>

#include <chrono>
#include <stdexcept>

namespace ink::core {

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string format_uuid(const Uuid& id) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += digits[id[i] >> 4];
    out += digits[id[i] & 15];
  }
  return out;
}

Result<Uuid> parse_uuid(std::string_view text) {
  auto bad = [&] {
    std::string message = "'";  // (appended, not +: GCC 12 warns falsely on the + chain)
    message.append(text.substr(0, 40)).append("' is not a UUID");
    return make_error(ErrorCode::kInvalidArgument, std::move(message));
  };
  if (text.size() != 36) return bad();
  Uuid out{};
  size_t byte = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return bad();
      ++i;
      continue;
    }
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return bad();
    out[byte++] = uint8_t(hi << 4 | lo);
    i += 2;
  }
  return out;
}

Uuid uuid_v7(uint64_t unix_ms, std::span<const uint8_t, 10> random) {
  Uuid b{};
  for (int i = 0; i < 6; ++i) b[size_t(i)] = uint8_t(unix_ms >> (8 * (5 - i)));
  for (size_t i = 0; i < 10; ++i) b[6 + i] = random[i];
  b[6] = uint8_t(0x70 | (b[6] & 0x0F));
  b[8] = uint8_t(0x80 | (b[8] & 0x3F));
  return b;
}

std::optional<int64_t> uuid_v7_unix_ms(const Uuid& id) {
  if ((id[6] >> 4) != 7) return std::nullopt;
  int64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | id[size_t(i)];
  return ms;
}

Uuid new_uuid_v7() {
  std::array<uint8_t, 10> random{};
  if (RAND_bytes(random.data(), int(random.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return uuid_v7(uint64_t(ms), random);
}

}  // namespace ink::core
