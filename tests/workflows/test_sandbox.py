"""The worker's sandbox runner: workflow code stays sandboxed, the SDK's bookkeeping does not.

These also fail if a temporalio upgrade moves the private parts `workflows/sandbox.py` uses.
"""

from __future__ import annotations

import temporalio.converter
import temporalio.workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker._workflow_instance import WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox._runner import _fake_info

from workflows.deal import DealWorkflow
from workflows.sandbox import IN_SANDBOX
from workflows.worker import WORKFLOW_RUNNER


def details() -> WorkflowInstanceDetails:
    default = temporalio.converter.DataConverter.default
    return WorkflowInstanceDetails(
        payload_converter_factory=default._new_payload_converter, failure_converter_class=default.failure_converter_class,
        interceptor_classes=[], defn=temporalio.workflow._Definition.must_from_class(DealWorkflow), info=_fake_info,
        randomness_seed=-1, extern_functions={}, disable_eager_activity_execution=False,
        worker_level_failure_exception_types=[], patch_activation_callback=None,
        last_completion_result=Payloads(), last_failure=Failure(),
    )


async def test_the_workflow_module_is_still_imported_inside_the_sandbox():
    instance = WORKFLOW_RUNNER.create_instance(details())
    sandboxed_class = instance.globals_and_locals["__temporal_workflow_class"]
    assert sandboxed_class.__name__ == "DealWorkflow"
    assert sandboxed_class is not DealWorkflow  # a fresh copy of the module, as the stock sandbox makes
    assert "workflows.deal" in instance.importer.new_modules
    assert IN_SANDBOX in instance.globals_and_locals


async def test_the_sdk_gets_the_same_serialization_contexts_as_through_the_stock_sandbox():
    lean = WORKFLOW_RUNNER.create_instance(details())
    stock = SandboxedWorkflowRunner(restrictions=WORKFLOW_RUNNER.restrictions).create_instance(details())
    assert type(lean) is not type(stock)
    for info in (None, CommandInfo(command_type=1, command_seq=1), CommandInfo(command_type=10, command_seq=3)):
        assert lean.get_serialization_context(info) == stock.get_serialization_context(info)
        assert lean.get_external_store_context(info) == stock.get_external_store_context(info)
    assert lean.get_serialization_context(None) is not None
