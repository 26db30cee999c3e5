#!/usr/bin/env bash
# Checks the monitoring assets beside this script, from any working directory:
#   - alerts.yml is valid (promtool check rules), every alert with `for`, a severity, a summary
#     and a description, and a test in alerts.test.yml in which it fires;
#   - grafana-dashboard.json parses;
#   - every metric name in an alert or recording rule, a dashboard panel or a dashboard variable
#     is one the services really export: the labels of the swift-metrics instruments in Shared/
#     and Services/ (Counter(label: "…"), Timer(label: "…"), Gauge(label: "…"), …) and in
#     Hummingbird's MetricsMiddleware, named as swift-prometheus names them (characters outside
#     [a-zA-Z0-9_:] become "_"; a Timer or an aggregating Recorder is a histogram, seen as
#     <name>_bucket, _sum and _count), Prometheus's own `up`, and the rules' recorded names;
#   - the unit tests pass (promtool test rules alerts.test.yml);
#   - prometheus.yml is valid (promtool check config, which also loads alerts.yml).
# promtool comes with Debian's `prometheus` package (deploy/local/install.sh installs it).
set -euo pipefail
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DIR/../.." && pwd)"
# Debian's Python (it has python3-yaml), whatever `python3` on PATH is.
PYTHON=/usr/bin/python3

fail() { echo "monitoring check: $*" >&2; exit 1; }

command -v promtool >/dev/null 2>&1 || fail "promtool not found: run deploy/local/install.sh (Debian package prometheus)"
[ -x "$PYTHON" ] || fail "$PYTHON not found"
"$PYTHON" -c 'import yaml' 2>/dev/null || fail "$PYTHON has no yaml module: run deploy/local/install.sh (Debian package python3-yaml)"

cd "$DIR"
echo "== promtool check rules alerts.yml"
promtool check rules alerts.yml

# The metric names the services export, from the Swift source.
known="$(mktemp)"
trap 'rm -f "$known"' EXIT
# "Type<TAB>label" for every instrument made with a literal label, the label on the same line
# as the constructor or on the next (grep -z reads a file as one record).
instruments() {
    grep -hPzo '\b(Counter|FloatingPointCounter|Gauge|Recorder|Meter|Timer)\(\s*label:\s*"[^"]+"' "$@" 2>/dev/null \
        | tr '\0' '\n' | sed -E ':a;N;$!ba;s/\(\s*\n\s*/(/g' \
        | sed -nE 's/^(\w+)\(\s*label:\s*"([^"]+)"$/\1\t\2/p' || true
}
mapfile -t swift_files < <(find "$ROOT/Shared/" "$ROOT/Services/" -name '*.swift' -type f)
own="$(instruments "${swift_files[@]}")"
[ -n "$own" ] || fail "found no Counter/Gauge/Timer(label: …) in Shared/ or Services/: has the metrics code moved?"
middleware="$ROOT/.build/checkouts/hummingbird/Sources/Hummingbird/Middleware/MetricsMiddleware.swift"
if [ -f "$middleware" ]; then
    hummingbird="$(instruments "$middleware")"
    [ -n "$hummingbird" ] || fail "found no metric in $middleware: has Hummingbird's MetricsMiddleware changed?"
else
    # Before the first build the package isn't checked out: Hummingbird 2.28's names.
    echo "note: $middleware not found (not built yet); using Hummingbird 2.28's metric names" >&2
    hummingbird="$(printf 'Meter\thttp.server.active_requests\nCounter\thb.requests\nTimer\thttp.server.request.duration\nCounter\thb.request.errors\n')"
fi
printf '%s\n%s\n' "$own" "$hummingbird" | while IFS=$'\t' read -r type label; do
    [ -n "$label" ] || continue
    name="$(printf '%s' "$label" | sed -E 's/[^A-Za-z0-9_:]/_/g; s/^[0-9]/_/')"
    case "$type" in
        # swift-metrics' Recorder aggregates by default; Gauge is a Recorder that does not.
        Timer|Recorder) printf '%s_bucket\n%s_sum\n%s_count\n' "$name" "$name" "$name" ;;
        *) printf '%s\n' "$name" ;;
    esac
done > "$known"
echo up >> "$known"
echo "== metric names the services export: $(sort -u "$known" | tr '\n' ' ')"

echo "== dashboard and rules use only those"
"$PYTHON" - "$known" alerts.yml alerts.test.yml grafana-dashboard.json <<'PY'
import json, re, sys, yaml

known_file, rules_file, tests_file, dashboard_file = sys.argv[1:]
known = set(open(known_file).read().split())
problems = []

rules = yaml.safe_load(open(rules_file))
recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
known |= recorded

KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan", "atan2", "start", "end"}

def metric_names(expr):
    """The metric names a PromQL expression selects (functions, keywords, labels left out)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)   # strings
    e = re.sub(r'\$\{[^}]*\}|\$\w+', '', e)                                     # Grafana variables
    e = re.sub(r'\{[^}]*\}', '', e)                                             # label matchers
    e = re.sub(r'\[[^\]]*\]', '', e)                                            # ranges, subqueries
    e = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', ' ', e)  # label lists
    names = set()
    for m in re.finditer(r'(?<![\w:.])[A-Za-z_:][\w:]*', e):
        word = m.group(0)
        if word.lower() in KEYWORDS or re.match(r'\s*\(', e[m.end():]):
            continue
        names.add(word)
    return names

def check(where, expr):
    names = metric_names(expr)
    if not names and not expr.strip().startswith("vector("):
        problems.append(f"{where}: no metric name found in {expr!r}")
    for name in sorted(names - known):
        problems.append(f"{where}: unknown metric {name!r} (not exported by the services) in: {' '.join(expr.split())}")

# Rules: every expression; every alert complete and tested.
alerts = []
for group in rules["groups"]:
    for rule in group["rules"]:
        name = rule.get("alert") or rule.get("record")
        check(f"{rules_file}: {name}", rule["expr"])
        if "alert" in rule:
            alerts.append(name)
            if "for" not in rule:
                problems.append(f"{rules_file}: alert {name} has no `for`")
            if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
                problems.append(f"{rules_file}: alert {name} has no severity label (critical, warning or info)")
            for key in ("summary", "description"):
                if not rule.get("annotations", {}).get(key):
                    problems.append(f"{rules_file}: alert {name} has no {key} annotation")
tests = yaml.safe_load(open(tests_file))
firing = {case["alertname"] for test in tests["tests"] for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
for name in alerts:
    if name not in firing:
        problems.append(f"{tests_file}: no test in which alert {name} fires")

# Dashboard: valid JSON, every target of every panel (rows' panels too) and every query variable.
try:
    dashboard = json.load(open(dashboard_file))
except ValueError as error:
    print(f"monitoring check: {dashboard_file} is not valid JSON: {error}", file=sys.stderr)
    sys.exit(1)
def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))
targets = 0
for panel in panels(dashboard.get("panels", [])):
    for target in panel.get("targets", []):
        if "expr" in target:
            targets += 1
            check(f"{dashboard_file}: panel {panel.get('title')!r} {target.get('refId', '')}", target["expr"])
for variable in dashboard.get("templating", {}).get("list", []):
    if variable.get("type") != "query":
        continue
    query = variable.get("query")
    query = query.get("query", "") if isinstance(query, dict) else (query or "")
    m = re.match(r'\s*label_values\((.*),\s*\w+\s*\)\s*$', query)
    check(f"{dashboard_file}: variable {variable.get('name')}", m.group(1) if m else query)
if targets == 0:
    problems.append(f"{dashboard_file}: no panel has a Prometheus expression")

if problems:
    for problem in problems:
        print(f"monitoring check: {problem}", file=sys.stderr)
    sys.exit(1)
print(f"  SUCCESS: {len(alerts)} alerts, {len(recorded)} recording rules, {targets} dashboard queries use known metrics")
PY
echo "== promtool test rules alerts.test.yml"
promtool test rules alerts.test.yml
echo "== promtool check config prometheus.yml"
promtool check config prometheus.yml
echo "monitoring check: OK"
