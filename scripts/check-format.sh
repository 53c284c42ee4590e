#!/usr/bin/env bash
# Fails when a C++ file is not formatted as .clang-format says (`make format`
# fixes it). Only files under version control are checked.
set -uo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')
if clang-format --dry-run -Werror $files 2>/tmp/ink-format.$$; then
  echo "format: ok ($(echo "$files" | wc -l) files)"
  rm -f /tmp/ink-format.$$
else
  grep -E '^[^ ].*: error:' /tmp/ink-format.$$ | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /'
  echo "format: run 'make format'"
  rm -f /tmp/ink-format.$$
  exit 1
fi
