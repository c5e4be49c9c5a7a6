"""The sandbox every worker and replayer runs the workflows in.

The workflows' own modules (`workflows`, `itc.journey`) load inside the sandbox,
so its determinism checks cover all their code. Only data models, the protocol's
rules and the activity definitions pass through: they are pure or never run in a
workflow, and one copy of each model class keeps payload conversion fast.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH_MODULES = ("itc.models", "itc.rules", "activities")


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH_MODULES)
    )
