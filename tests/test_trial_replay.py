"""Both sides of the trial's patches replay (tests/test_journey_replay.py replays every committed
history, these among them); here: what workflow.patched(REPLAY_PROTECTED_REPORTS) and
workflow.patched(AUDITED_REFUSED_SIGNALS) change for the same reports (issue 12, H2).

The same scenario on both sides: a journey's DLT outcome, an SAE clock escalated then
acknowledged, the captured 'escalated' report sent again, and a DLT report no worker sent.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from history_events import patch_ids
from history_replay import HISTORY_DIR, HISTORY_TRIAL_WORKFLOW_ID, committed_history_signal_keys

from activities import names
from itc.crypto.signal_macs import signal_mac_problem
from itc.models.identity import SIGNAL_NOT_AUTHENTICATED, SIGNAL_REPLAYED
from itc.models.trial import RecordDltOutcomeInput, RecordSaeClockInput
from itc.runtime.workflow_trust import AUTHENTICATED_SIGNALS
from workflows.trial import AUDITED_REFUSED_SIGNALS, REPLAY_PROTECTED_REPORTS, REPLAYED_REPORT

BEFORE = HISTORY_DIR / "trial-reports-before-replay-protection.json"
AFTER = HISTORY_DIR / "trial-reports-with-replay-protection.json"
REPORTS = {"record_dlt_outcome": RecordDltOutcomeInput, "record_sae_clock": RecordSaeClockInput}


def decoded(payload: dict) -> dict:
    return json.loads(base64.b64decode(payload["data"]))


def signals(path: Path) -> list[tuple[str, dict]]:
    return [
        (attributes["signalName"], decoded(attributes["input"]["payloads"][0]))
        for event in json.loads(path.read_text())["events"]
        if (attributes := event.get("workflowExecutionSignaledEventAttributes"))
    ]


def refusals_audited(path: Path) -> list[dict]:
    """The inputs of the activities that wrote ignored signals to the event store's refused_actions."""
    return [
        decoded(attributes["input"]["payloads"][0])
        for event in json.loads(path.read_text())["events"]
        if (attributes := event.get("activityTaskScheduledEventAttributes"))
        and attributes["activityType"]["name"] == names.RECORD_REFUSED_SIGNAL
    ]


def test_the_reports_in_the_trial_histories_verify_under_the_committed_test_only_key():
    """Replay checks each report's MAC as the worker did; with a key generated per test session
    every report would look forged. Each report a worker signed verifies, under the trial's ID;
    the forged one carries no MAC."""
    keys = committed_history_signal_keys()
    for path in (BEFORE, AFTER):
        problems = [
            signal_mac_problem(keys, name, HISTORY_TRIAL_WORKFLOW_ID, [REPORTS[name].model_validate(arg)])
            for name, arg in signals(path)
        ]
        assert problems == [None, None, None, None, "it carries no MAC"], path.name


def test_a_replayed_report_is_ignored_and_both_refusals_audited_only_in_trials_from_after_the_patches():
    """21 CFR 11.10(e): the audit trail records every refused action. Before the patches the
    captured 'escalated' report, sent again, was accepted (its MAC verifies: it reopened the
    acknowledged clock) and the forged DLT was only listed in the trial's state; after them the
    repeat is refused by its number and both refusals go to refused_actions through the activity,
    with the engine's reason and nothing the sender wrote."""
    assert patch_ids(BEFORE) == [AUTHENTICATED_SIGNALS]
    assert patch_ids(AFTER) == [REPLAY_PROTECTED_REPORTS, AUDITED_REFUSED_SIGNALS, AUTHENTICATED_SIGNALS]
    before, after = signals(BEFORE), signals(AFTER)
    assert [name for name, _ in before] == [name for name, _ in after]
    assert all("report_sequence" not in arg for _, arg in before)
    assert [arg.get("report_sequence") for _, arg in after] == [1, 1, 2, 1, None]
    assert after[3] == after[1]  # the captured report, byte for byte
    assert refusals_audited(BEFORE) == []
    assert [(r["signal"], r["refusal"], r["problem"]) for r in refusals_audited(AFTER)] == [
        ("record_sae_clock", SIGNAL_REPLAYED, REPLAYED_REPORT),
        ("record_dlt_outcome", SIGNAL_NOT_AUTHENTICATED, "it carries no MAC"),
    ]
    assert all(r["workflow_id"] == HISTORY_TRIAL_WORKFLOW_ID for r in refusals_audited(AFTER))
    assert not any("ITC-10" in json.dumps(r) for r in refusals_audited(AFTER))


def test_a_report_signed_before_reports_were_numbered_verifies_only_while_it_carries_no_number():
    """The MAC of a report from before numbering covers its content without report_sequence: it
    verifies as recorded (so its history replays), and a number added to it breaks the MAC, so
    a captured old report cannot be renumbered past the trial's replay check."""
    keys = committed_history_signal_keys()
    name, arg = signals(BEFORE)[0]
    recorded = REPORTS[name].model_validate(arg)
    assert recorded.report_sequence is None
    assert signal_mac_problem(keys, name, HISTORY_TRIAL_WORKFLOW_ID, [recorded]) is None
    renumbered = recorded.model_copy(update={"report_sequence": 7})
    assert signal_mac_problem(keys, name, HISTORY_TRIAL_WORKFLOW_ID, [renumbered]) == "its MAC does not verify"


PAUSE_BEFORE = HISTORY_DIR / "trial-pause-before-numbered-pauses.json"
PAUSE_AFTER = HISTORY_DIR / "trial-pause-with-numbered-pauses.json"


def pauses_sent(path: Path) -> list[tuple[str, dict]]:
    return [
        (attributes["workflowExecution"]["workflowId"], decoded(attributes["input"]["payloads"][0]))
        for event in json.loads(path.read_text())["events"]
        if (attributes := event.get("signalExternalWorkflowExecutionInitiatedEventAttributes"))
        and attributes["signalName"] == "set_trial_pause"
    ]


def test_a_trial_from_before_numbered_pauses_replays_and_one_from_after_numbers_its_pause():
    """Both replay (test_journey_replay.py::test_history_replays): the number travels in the
    signal's argument, not as a command of its own. The same safety pause (BOIN boundary, three
    DLTs among three evaluable) to the enrolled journey: unnumbered before, decision 1 after,
    each MAC'd for that journey and verifying under the committed test-only key."""
    from itc.models.trial import SetTrialPauseInput

    keys = committed_history_signal_keys()
    [(before_to, before)], [(after_to, after)] = pauses_sent(PAUSE_BEFORE), pauses_sent(PAUSE_AFTER)
    assert before_to == after_to == "journey-ITC-201"
    assert "pause_sequence" not in before and after["pause_sequence"] == 1
    assert before["paused"] and after["paused"]
    for to, arg in ((before_to, before), (after_to, after)):
        assert signal_mac_problem(keys, "set_trial_pause", to, [SetTrialPauseInput.model_validate(arg)]) is None
