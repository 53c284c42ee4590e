#!/usr/bin/env bash
# Checks deploy/prometheus, one line per check, exiting non-zero if any fails:
#   * promtool check config (prometheus.yml, and the rule files it names);
#   * promtool check rules (alerts.yml);
#   * promtool test rules (alerts_test.yml);
#   * every alert in alerts.yml is tested both firing and not firing;
#   * grafana-dashboard.json parses, has the DS_PROMETHEUS input, and each
#     panel's queries parse as PromQL (through promtool);
#   * the dashboard and the rules name only metrics listed in
#     deploy/prometheus/README.md (so neither refers to one nothing exports).
# promtool: the one on PATH, or Debian's unpacked into var/cache/prometheus
# (fetched here if missing; scripts/install-deps.sh --promtool does it first).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
dir=deploy/prometheus
# shellcheck source=scripts/lib/promtool.sh
. scripts/lib/promtool.sh

failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME CMD...: runs CMD, prints PASS/FAIL NAME, and CMD's output on failure.
check() {
  local name=$1; shift
  if "$@" >"$tmp/out" 2>&1; then
    # A one-line report (the Python checks') goes on the PASS line.
    if [ "$(wc -l <"$tmp/out")" -eq 1 ]; then echo "PASS $name: $(cat "$tmp/out")"; else echo "PASS $name"; fi
  else
    echo "FAIL $name"
    sed 's/^/    /' "$tmp/out"
    failed=1
  fi
}

if ! promtool=$(promtool_path); then
  fetch_promtool >&2
  if ! promtool=$(promtool_path); then
    echo "FAIL promtool: none on PATH or in $prometheus_cache, and it could not be fetched"
    exit 1
  fi
fi
echo "promtool: $promtool ($("$promtool" --version 2>&1 | head -n 1))"

check "promtool check config $dir/prometheus.yml" "$promtool" check config "$dir/prometheus.yml"
check "promtool check rules $dir/alerts.yml" "$promtool" check rules "$dir/alerts.yml"
check "promtool test rules $dir/alerts_test.yml" "$promtool" test rules "$dir/alerts_test.yml"

# The Python half: reads alerts.yml and alerts_test.yml line by line (their
# layout is this folder's own; no YAML library needed) and the dashboard as
# JSON. MODE: tested | dashboard | metrics.
# shellcheck disable=SC2317  # called through check
inspect() {
  python3 - "$1" "$dir" "$tmp" <<'PY'
import json, os, re, sys

mode, d, tmp = sys.argv[1:4]
problems = []

def alert_exprs():
    """(alert, expr) of every rule in alerts.yml: `expr: X` or `expr: |` blocks."""
    lines = open(os.path.join(d, "alerts.yml")).read().split("\n")
    out, alert, i = [], None, 0
    while i < len(lines):
        s = lines[i].strip()
        m = re.match(r"- alert:\s*(\S+)", s)
        if m:
            alert = m.group(1)
        m = re.match(r"expr:\s*(.*)$", s)
        if m:
            rest = m.group(1)
            if rest in ("|", ">", "|-", ">-"):
                indent = len(lines[i]) - len(lines[i].lstrip())
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i].strip())
                    i += 1
                out.append((alert, " ".join(block)))
                continue
            out.append((alert, rest))
        i += 1
    count = sum(1 for l in lines if re.match(r"\s*- alert:", l))
    if count != len(out) or count == 0:
        problems.append(f"alerts.yml: {count} alerts but {len(out)} expr lines read")
    return out

def readme_metrics():
    names = set()
    section = False
    for line in open(os.path.join(d, "README.md")):
        if line.startswith("## "):
            section = line.strip() == "## Metrics"
        m = re.match(r"\|\s*`([A-Za-z_:][A-Za-z0-9_:]*)`\s*\|", line)
        if section and m:
            names.add(m.group(1))
    if not names:
        problems.append("README.md: no metric table under '## Metrics'")
    return names

KEYWORDS = {"and", "or", "unless", "bool", "by", "without", "on", "ignoring",
            "group_left", "group_right", "offset", "inf", "nan", "Inf", "NaN"}

def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"'(?:[^'\\]|\\.)*'", "''", e)
    e = re.sub(r"\{[^}]*\}", " ", e)                     # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)                    # ranges, subqueries
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\boffset\s+-?\S+", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        prev = e[m.start() - 1] if m.start() else " "
        if prev.isdigit() or prev == ".":                # 1e9, 0.5e3
            continue
        if e[m.end():].lstrip().startswith("("):         # function, aggregation
            continue
        if m.group(0) not in KEYWORDS:
            names.add(m.group(0))
    return names

def known(name, listed):
    return name in listed or re.sub(r"_(bucket|sum|count)$", "", name) in listed

def load_dashboard():
    try:
        return json.load(open(os.path.join(d, "grafana-dashboard.json")))
    except (OSError, ValueError) as e:
        problems.append(f"grafana-dashboard.json: {e}")
        return None

def panels(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])                   # collapsed rows

if mode == "tested":
    # Every alert of alerts.yml has an eval_time where it is expected to
    # fire and one where it is expected not to.
    alerts = {a for a, _ in alert_exprs()}
    lines = [l.strip() for l in open(os.path.join(d, "alerts_test.yml"))
             if l.strip() and not l.strip().startswith("#")]
    fires, silent = set(), set()
    for i, l in enumerate(lines):
        m = re.match(r"alertname:\s*(\S+)$", l)
        if m and i + 1 < len(lines):
            nxt = lines[i + 1]
            if nxt == "exp_alerts: []":
                silent.add(m.group(1))
            elif nxt == "exp_alerts:" and i + 2 < len(lines) and lines[i + 2].startswith("- exp_labels:"):
                fires.add(m.group(1))
    for a in sorted(alerts):
        if a not in fires:
            problems.append(f"{a}: no test where it fires")
        if a not in silent:
            problems.append(f"{a}: no test where it does not fire")
    if not problems:
        print(f"{len(alerts)} alerts, each tested firing and not firing")

elif mode == "dashboard":
    dash = load_dashboard()
    if dash is not None:
        if not any(i.get("name") == "DS_PROMETHEUS" for i in dash.get("__inputs", [])):
            problems.append("no DS_PROMETHEUS in __inputs")
        if not isinstance(dash.get("schemaVersion"), int):
            problems.append("no schemaVersion")
        rules, ids, count = [], set(), 0
        for p in panels(dash):
            pid = p.get("id")
            if pid in ids:
                problems.append(f"panel id {pid} used twice")
            ids.add(pid)
            if p.get("type") == "row":
                continue
            count += 1
            title = p.get("title", "?")
            if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                problems.append(f"panel {title!r}: datasource is not ${{DS_PROMETHEUS}}")
            targets = p.get("targets", [])
            if not targets or not all(t.get("expr") for t in targets):
                problems.append(f"panel {title!r}: a target without expr")
            for t in targets:
                expr = t.get("expr", "")
                # Grafana's variables, as Prometheus would see them.
                expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
                rules.append({"record": f"dashboard:panel_{pid}_{t.get('refId', 'X')}", "expr": expr})
        # JSON is YAML: a rules file for promtool to parse every query.
        json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(os.path.join(tmp, "dashboard-rules.yml"), "w"))
        if not problems:
            print(f"{count} panels, {len(rules)} queries")

elif mode == "metrics":
    listed = readme_metrics()
    uses = []
    dash = load_dashboard()
    if dash is not None:
        for p in panels(dash):
            for t in p.get("targets", []):
                uses.append((f"dashboard panel {p.get('title')!r}", t.get("expr", "")))
    uses += [(f"alert {a}", e) for a, e in alert_exprs()]
    seen = set()
    for where, expr in uses:
        for n in sorted(metric_names(expr)):
            seen.add(n)
            if not known(n, listed):
                problems.append(f"{where}: {n} is not listed in README.md")
    if not problems:
        print(f"{len(seen)} metric names used, all listed in README.md")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY
}

check "every alert tested firing and not firing" inspect tested
check "grafana-dashboard.json is valid" inspect dashboard
if [ -f "$tmp/dashboard-rules.yml" ]; then
  check "dashboard queries parse (promtool)" "$promtool" check rules "$tmp/dashboard-rules.yml"
else
  echo "FAIL dashboard queries parse (promtool): no queries read"
  failed=1
fi
check "dashboard and rules use only metrics listed in $dir/README.md" inspect metrics

if [ "$failed" = 0 ]; then echo "prometheus checks: all passed"; else echo "prometheus checks: FAILED"; fi
exit "$failed"
