#include "core/client_conventions.h"

#include <algorithm>

#include "core/encoding.h"

namespace ink::core {

std::string data_for_bytes(ByteView content) {
  const auto digest = sha512(content);
  return "sha512:" + to_hex(digest);
}

std::string data_for_files(std::vector<std::string> per_file_data) {
  // One file is stamped as its own string; several as the sorted list text.
  if (per_file_data.size() == 1) return std::move(per_file_data[0]);
  std::sort(per_file_data.begin(), per_file_data.end());
  std::string text = "[";
  for (size_t i = 0; i < per_file_data.size(); ++i) {
    if (i > 0) text += ", ";
    text += "\"" + per_file_data[i] + "\"";
  }
  text += "]";
  return data_for_bytes(as_bytes(text));
}

}  // namespace ink::core
