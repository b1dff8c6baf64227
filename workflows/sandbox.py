"""The workflow sandbox, minus the SDK re-entering it for its own bookkeeping.

For every payload sequence it decodes or encodes (three passes over each activation and three
over each completion: about 84 per happy-path deal), temporalio 1.35 asks the workflow instance
for the payload's serialization context. In the sandbox each of those questions compiles a
snippet and runs it inside the sandbox's import context, about 0.14 ms apiece, so a deal paid
about 12 ms of worker CPU for answers that are plain SDK bookkeeping: the SDK's own instance
reads its pending-command tables and builds a context object. No workflow code runs and nothing
is imported to answer, so `LeanSandboxedWorkflowRunner` asks that instance directly. It also
compiles the sandbox's own snippets once instead of at every activation.

Everything the workflow's own code does (its module's import, every activation) still runs in
the sandbox with the restrictions given, exactly as `SandboxedWorkflowRunner` runs it.

This leans on the sandbox's private `_Instance` (the SDK version is pinned in pyproject.toml);
tests/workflows/test_sandbox.py fails if an upgrade moves what it relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CodeType
from typing import Any

from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker._workflow_instance import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _Instance

# The name under which the sandbox keeps its `InSandbox` (which holds the SDK's instance).
IN_SANDBOX = "__temporal_in_sandbox"


# The snippets the sandbox runs, compiled once: the stock runner hands `exec` the source text,
# so every activation (about 15 per happy-path deal) and every new instance compiled it again.
# The texts are the SDK's, a handful per workflow type.
_COMPILED: dict[str, CodeType] = {}


class _LeanInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        compiled = _COMPILED.get(code)
        if compiled is None:
            compiled = _COMPILED.setdefault(code, compile(code, "<string>", "exec"))
        super()._run_code(compiled, **extra_globals)  # type: ignore[arg-type]  # exec takes code objects

    def get_serialization_context(self, command_info: CommandInfo | None):
        return self.globals_and_locals[IN_SANDBOX].get_serialization_context(command_info)

    def get_external_store_context(self, command_info: CommandInfo | None):
        return self.globals_and_locals[IN_SANDBOX].get_external_store_context(command_info)


@dataclass(frozen=True)
class LeanSandboxedWorkflowRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner` whose instances answer the SDK's context questions directly."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _LeanInstance(det, self.runner_class, self.restrictions)
