#!/usr/bin/env bash
# One participant's first stages through the `itc` command line, as staff would type them:
# consent, screening (labs, then the investigator's assessment), baseline (CT and assessments)
# and the biopsy, after which manufacturing begins. Every action is recorded as happening now
# (UTC) and the participant consents today, so the journey's windows always fit.
#
# From the repository root, with `itc dev` running in another terminal and signed in with
# `itc login` (every action is recorded as yours; see the README's "First ten minutes"):
#   examples/first-stages.sh ITC-002
# `itc` is taken from PATH (activate .venv first) or from ITC, e.g. ITC=.venv/bin/itc.
set -euo pipefail

participant="${1:-ITC-002}"
itc="${ITC:-itc}"
here="$(cd "$(dirname "$0")" && pwd)"
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
nurse=(--participant "$participant" --role operations)

# The journey moves to its next stage a moment after the action that completes one.
wait_for_stage() {
  for _ in $(seq 30); do
    if "$itc" status "$participant" --json | grep -q "\"stage\": \"$1\""; then return 0; fi
    sleep 1
  done
  echo "$participant did not reach stage $1" >&2
  return 1
}

"$itc" start --consent-file "$here/consent.json" --participant-id "$participant" --consent-date "$(date -u +%F)"

# Screening: the four labs the protocol needs, then the investigator's assessment.
"$itc" record lab-results "${nurse[@]}" --collected-at "$(now)" \
  --result creatinine=0.8 --result spo2=98 --result alt=30:uln=40 --result ast=28:uln=40
"$itc" record eligibility "${nurse[@]}" \
  --assessed-at "$(now)" --advanced-breast-cancer --progressed --metastasis-count 1 \
  --metastasis-site lung --measurable --no-active-infection --no-other-cancer
wait_for_stage baseline

# Baseline: a CT with one 20 mm lung target lesion (RECIST 1.1), then markers, immune panels,
# ECG and examination.
"$itc" record scan "${nurse[@]}" \
  --kind baseline --scanned-at "$(now)" --lesion L1:lung:20
"$itc" record lab-results "${nurse[@]}" --collected-at "$(now)" \
  --result ca15_3=48 --result cea=6.2 --result flow_cytometry_panel=normal \
  --result elisa_cytokines=normal --result ecg=normal --result physical_exam=normal
wait_for_stage biopsy

# The biopsy: its sample ID starts the chain of identity through manufacturing.
"$itc" record biopsy "${nurse[@]}" --sample-id "BX-${participant}-1" --collected-at "$(now)"
wait_for_stage manufacturing

"$itc" status "$participant"
