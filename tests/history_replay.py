"""The one replayer for every committed history, journey or trial, as a worker replays them.

The trial's histories hold signals MAC'd under a signal key. A key generated per test session
would not verify them, so they were recorded, and are replayed, with a published test-only key
committed beside them (`histories/keys/`); a MAC also names the receiving workflow, so a trial
history replays under the trial's workflow ID.
"""

from __future__ import annotations

from pathlib import Path

from fixtures_codec import SESSION_IDENTITY_KEYS, SESSION_KEYRING
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from itc.crypto.codec import encrypted_converter
from itc.crypto.engine_keys import EngineKeys
from itc.crypto.keyring import Keyring, parse_keyring
from itc.models.trial import trial_workflow_id
from itc.rules.config import ProtocolConfig
from itc.runtime.worker import worker_interceptors
from workflows.journey import ParticipantJourneyWorkflow
from workflows.runner import workflow_runner
from workflows.trial import TrialWorkflow

HISTORY_DIR = Path(__file__).parent / "histories"
TEST_ONLY_SIGNAL_KEYS_FILE = HISTORY_DIR / "keys" / "test-only-signal-keys.json"
# The trial the trial histories were recorded under: the protocol's own trial ID.
HISTORY_TRIAL_WORKFLOW_ID = trial_workflow_id(ProtocolConfig().trial_id)
# The committed histories were recorded before payload encryption: replaying them is the one
# place that opts in to reading plaintext payloads.
LEGACY_CONVERTER = encrypted_converter(SESSION_KEYRING, accept_plaintext=True)


def committed_history_signal_keys() -> Keyring:
    return parse_keyring(TEST_ONLY_SIGNAL_KEYS_FILE.read_text(), str(TEST_ONLY_SIGNAL_KEYS_FILE.name))


def replayer() -> Replayer:
    """As a worker replays: both workflows, the same sandbox and the same trust interceptors.
    Validators do not run on replay, so the session's identity key is never asked to verify."""
    return Replayer(
        workflows=[ParticipantJourneyWorkflow, TrialWorkflow],
        data_converter=LEGACY_CONVERTER,
        workflow_runner=workflow_runner(),
        interceptors=worker_interceptors(
            EngineKeys(identity=SESSION_IDENTITY_KEYS, signals=committed_history_signal_keys())
        ),
    )


def workflow_id_of(path: Path) -> str:
    """The workflow ID a history replays under: the trial's for a trial history (its MACs name
    it); any journey ID for a journey's, whose histories hold no MAC'd signal."""
    return HISTORY_TRIAL_WORKFLOW_ID if path.stem.startswith("trial-") else "journey-ITC-001"


def load_history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(workflow_id_of(path), path.read_text())
