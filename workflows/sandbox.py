"""The workflow sandbox, minus the SDK re-entering it for its own bookkeeping.

For every payload sequence it decodes or encodes (three passes over each activation and three
over each completion: about 84 per happy-path deal), temporalio 1.35 asks the workflow instance
for the payload's serialization context. In the sandbox each of those questions compiles a
snippet and runs it inside the sandbox's import context, about 0.14 ms apiece, so a deal paid
about 12 ms of worker CPU for answers that are plain SDK bookkeeping: the SDK's own instance
reads its pending-command tables and builds a context object. No workflow code runs and nothing
is imported to answer, so `LeanSandboxedWorkflowRunner` asks that instance directly.

Everything the workflow's own code does (its module's import, every activation) still runs in
the sandbox with the restrictions given, exactly as `SandboxedWorkflowRunner` runs it.

This leans on the sandbox's private `_Instance` (the SDK version is pinned in pyproject.toml);
tests/workflows/test_sandbox.py fails if an upgrade moves what it relies on.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker._workflow_instance import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance

# The name under which the sandbox keeps its `InSandbox` (which holds the SDK's instance).
IN_SANDBOX = "__temporal_in_sandbox"


class _LeanInstance(_Instance):
    def get_serialization_context(self, command_info: CommandInfo | None):
        return self.globals_and_locals[IN_SANDBOX].get_serialization_context(command_info)

    def get_external_store_context(self, command_info: CommandInfo | None):
        return self.globals_and_locals[IN_SANDBOX].get_external_store_context(command_info)


@dataclass(frozen=True)
class LeanSandboxedWorkflowRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner` whose instances answer the SDK's context questions directly."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _LeanInstance(det, self.runner_class, self.restrictions)
