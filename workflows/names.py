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
MATCHING_WORKFLOW = "MatchingWorkflow"
MATCHING_SCHEDULE = "matching-recompute"  # the Temporal Schedule's id (hourly full recompute)
RECOMPUTE_MATCHES_ACTIVITY = "recompute_matches"
MATCH_LISTING_ACTIVITY = "match_listing"
PROPOSE_RINGS_ACTIVITY = "propose_rings"
RING_WORKFLOW = "RingWorkflow"  # its workflow id is the ring's key (domain.barter_rings.BarterRing.key)
RING_ANSWER = "answer"  # a business accepts or declines
RING_QUERY = "ring"
RING_LEG_SIGNAL = "leg_reached"  # a leg's deal tells its ring where it got to
RECORD_RING_ACTIVITY = "record_ring_step"
RING_LEG_STEP_ACTIVITY = "ring_leg_step"
DEAL_RING_STEP = "ring_step"  # the deal's Update through which its ring funds, starts or cancels it


def matching_workflow_id(listing_id: int | None) -> str:
    # One incremental run per listing: publishing twice (a retried request) reaches the same run.
    return "matching-recompute-now" if listing_id is None else f"matching-listing-{listing_id}"
