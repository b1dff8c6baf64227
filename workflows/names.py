"""Names other systems rely on (ARCHITECTURE.md §6): keep them stable."""

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "tradepact"
DEAL_WORKFLOW = "DealWorkflow"
DEAL_UPDATE = "act"
DEAL_OPENED = "opened"
DEAL_QUERY = "deal"
DEAL_STRIPE_SIGNAL = "stripe_event"
RECORD_STEP_ACTIVITY = "record_deal_step"
MOVE_CASH_ACTIVITY = "move_deal_cash"
DEAL_STAGE = SearchAttributeKey.for_keyword("DealStage")


def deal_workflow_id(deal_id: str) -> str:
    return f"deal-{deal_id}"
