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
PAYOUT_RETRY_WORKFLOW = "PayoutRetryWorkflow"
RETRY_PAYOUT_ACTIVITY = "retry_payout"
RECONCILIATION_WORKFLOW = "ReconciliationWorkflow"
RECONCILE_ACTIVITY = "reconcile_cash"
NIGHTLY_RECONCILIATION = "nightly-reconciliation"  # the Temporal Schedule's id
SUBSCRIPTION_WORKFLOW = "SubscriptionWorkflow"
SUBSCRIPTION_CHANGE_PLAN = "change_plan"
SUBSCRIPTION_CANCEL = "cancel"
SUBSCRIPTION_QUERY = "subscription"
LOAD_PLAN_ACTIVITY = "load_plan"
CHARGE_SUBSCRIPTION_ACTIVITY = "charge_subscription"
RECORD_SUBSCRIPTION_ACTIVITY = "record_subscription"
DEAL_OPEN_DISPUTE = "open_dispute"  # the deal's Update that opens its dispute
DISPUTE_WORKFLOW = "DisputeWorkflow"
DISPUTE_UPDATE = "act"  # every action on a dispute (workflows.dispute_messages.DisputeCommand)
DISPUTE_QUERY = "dispute"
RECORD_DISPUTE_STEP_ACTIVITY = "record_dispute_step"
LOAD_ARBITRATORS_ACTIVITY = "load_arbitrators"
DEAL_STAGE = SearchAttributeKey.for_keyword("DealStage")


def deal_workflow_id(deal_id: str) -> str:
    return f"deal-{deal_id}"


def dispute_workflow_id(deal_id: str) -> str:
    return f"dispute-{deal_id}"


def payout_retry_workflow_id(movement_key: str) -> str:
    # One retry of a payout at a time: a double-clicked retry joins the one running.
    return f"payout-retry-{movement_key}"


def subscription_workflow_id(business_id: int) -> str:
    # One subscription per business: subscribing twice reaches the one running.
    return f"subscription-{business_id}"
VERIFICATION_WORKFLOW = "VerificationWorkflow"
VERIFICATION_UPDATE = "act"
VERIFICATION_QUERY = "verification"
RECORD_VERIFICATION_ACTIVITY = "record_verification_step"


def verification_workflow_id(business_id: int) -> str:
    # One case per business at a time: a second submission reaches the one running.
    return f"verification-{business_id}"
