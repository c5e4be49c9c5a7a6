"""Rule changes that reach a journey only where the workflow patches them in.

Each ID is passed to `workflow.patched` by the shell at the point the rule is used; the
core reads which ones the journey has adopted from `Moment.amendments`. A journey whose
history predates an amendment replays without it, so what it recorded never changes.
"""

from __future__ import annotations

# RECIST 1.1 overall response from target, non-target and new lesions (Tables 1 and 2), a
# lesion back after an overall CR is PD (EORTC RECIST FAQ), and best overall response with
# the protocol's confirmation interval and SD minimum duration (section 4.4, Table 3).
RECIST_OVERALL_RESPONSE = "recist-overall-and-best-response"
# PFS censoring by the FDA 2018 table: new anticancer therapy, and progression as well as
# death after two or more missed assessments.
PFS_FDA_2018_CENSORING = "pfs-fda-2018-censoring"
# ICH E2A III.A: an event upgraded to fatal or life-threatening owes a 7-day report even when
# a 15-day clock is open, counted from when it was first known to qualify.
SUSAR_UPGRADE_CLOCK = "susar-upgrade-seven-day-clock"
# USP <85>: the endotoxin limit is K/M for the participant's weight and dose volume.
ENDOTOXIN_DOSE_AWARE_LIMIT = "endotoxin-dose-aware-limit"
# A bag quality discards opens a supervisor decision (re-make it from the banked line, stop
# infusions, or off study) instead of a notice alone.
BAG_DISCARD_DECISION = "bag-discard-decision"
