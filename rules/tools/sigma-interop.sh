#!/usr/bin/env bash
# Sigma interoperability of the kata-otel rule pack (rules/kata/):
#   1. installs the reference Sigma tooling (sigma-cli, pySigma, pySigma-backend-loki; pinned in
#      rules/tools/sigma-requirements.txt) into a cached virtualenv,
#   2. runs `sigma check` on every rule and fails on any error or validation issue,
#   3. converts the pack to LogQL and writes the Loki ruler rule group
#      collector-config/loki/kata-rules.yaml (with --check: fails if the shipped file differs),
#   4. with --verify-logql: runs the converted rules through Loki's own LogQL pipeline on the
#      records of every rule test case and parser fixture (rules/tools/logql-verify/, needs Go,
#      downloads the pinned Loki module on first use, and a built tree: npm run build).
#
# Usage: rules/tools/sigma-interop.sh [--check] [--verify-logql]
# Environment:
#   KATA_SIGMA_VENV           virtualenv path (default ${XDG_CACHE_HOME:-$HOME/.cache}/kata-otel/sigma-venv)
#   KATA_SIGMA_REQUIRE_ATTACK 1 = fail when the MITRE ATT&CK / D3FEND data pySigma downloads for its tag
#                             validators cannot be loaded (default: skip those two validators with a warning)
#   PYTHON                    interpreter used to create the virtualenv (default python3)
set -euo pipefail

mode=write
verify=0
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --verify-logql) verify=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--check] [--verify-logql]" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
req="$root/rules/tools/sigma-requirements.txt"
venv="${KATA_SIGMA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kata-otel/sigma-venv}"
stamp="$venv/.kata-otel-requirements"

if [[ ! -x "$venv/bin/sigma" ]] || ! cmp -s "$req" "$stamp"; then
  echo "sigma-interop: installing pinned Sigma tooling into $venv"
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$stamp"
fi

# --- 1. sigma check ------------------------------------------------------------------------
# namespace_tag: the pack puts its category in one custom tag, kata.category.<category>. The Sigma
# tag appendix lists the namespaces attack, car, cve, d3fend, detection, stp and tlp, and this
# validator flags every other one, although the rule schema's tag pattern allows it. The custom
# namespace is checked instead by test/rules/rule-pack.test.ts: every tag is attack.<...> or
# exactly one kata.category.<one of the eleven categories>.
excludes=(-x namespace_tag)
# attacktag / d3_fendtag download MITRE data at run time (cached by pySigma in ~/.cache/pysigma).
if ! "$venv/bin/python" - <<'PY' >/dev/null 2>&1
from sigma.data import mitre_attack, mitre_d3fend
mitre_attack.mitre_attack_techniques
mitre_d3fend.mitre_d3fend_tactics
PY
then
  if [[ "${KATA_SIGMA_REQUIRE_ATTACK:-0}" == 1 ]]; then
    echo "sigma-interop: MITRE ATT&CK/D3FEND data cannot be loaded (offline?) and KATA_SIGMA_REQUIRE_ATTACK=1" >&2
    exit 1
  fi
  echo "sigma-interop: WARNING: MITRE ATT&CK/D3FEND data cannot be loaded (offline?); skipping the attacktag and d3_fendtag validators" >&2
  excludes+=(-x attacktag -x d3_fendtag)
fi
"$venv/bin/sigma" check --fail-on-error --fail-on-issues "${excludes[@]}" "$root/rules/kata"

# --- 2. Loki conversion -----------------------------------------------------------------------
if [[ $mode == check ]]; then
  "$venv/bin/python" "$root/rules/tools/sigma_loki_ruler.py" --check "$root"
else
  "$venv/bin/python" "$root/rules/tools/sigma_loki_ruler.py" "$root"
fi

# --- 3. optional: the LogQL rules decide like the Sigma rules -----------------------------------
if [[ $verify == 1 ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  node "$root/rules/tools/logql-verify/dump-cases.js" "$tmp/cases.json"
  (cd "$root/rules/tools/logql-verify" && go run . "$root/collector-config/loki/kata-rules.yaml" "$tmp/cases.json")
fi
