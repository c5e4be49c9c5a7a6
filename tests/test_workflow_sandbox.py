"""The sandbox checks the workflows' own modules: a non-deterministic call in one is refused.

The journey's modules (`workflows`, `itc.journey`) are imported normally, as this probe's
helper is; only models, rules and activity definitions pass through (`workflows.runner`).
"""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sandbox_probe_workflow import WallClockProbeWorkflow
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

from workflows.runner import PASSED_THROUGH_MODULES, workflow_runner

ROOT = Path(__file__).resolve().parent.parent


async def test_the_sandbox_refuses_a_wall_clock_read_in_a_workflow_module(workflow_env, task_queue):
    async with Worker(
        workflow_env.client,
        task_queue=task_queue,
        workflows=[WallClockProbeWorkflow],
        workflow_runner=workflow_runner(),
        # Fail the workflow rather than retrying its task forever, so the refusal can be read.
        workflow_failure_exception_types=[RestrictedWorkflowAccessError],
    ):
        with pytest.raises(WorkflowFailureError) as failed:
            await workflow_env.client.execute_workflow(
                WallClockProbeWorkflow.run,
                datetime(2030, 1, 1, tzinfo=UTC),
                id=f"sandbox-probe-{uuid.uuid4()}",
                task_queue=task_queue,
            )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "RestrictedWorkflowAccessError"
    assert "datetime.datetime.now" in cause.message


def test_only_models_rules_and_activities_pass_through():
    assert set(PASSED_THROUGH_MODULES) == {"itc.models", "itc.rules", "activities"}


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("journey*.py")), ids=lambda p: p.name)
def test_the_journey_workflow_passes_none_of_its_own_modules_through(path: Path):
    """`imports_passed_through` would hide the module's imports from the sandbox's checks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    passed_through = [
        node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "imports_passed_through"
    ]
    assert not passed_through
