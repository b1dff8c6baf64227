"""Plans and monthly subscriptions: what a member pays each month, and what its deals pay.

A plan (Free, Pro) sets the commission taken at release — a percentage with a minimum, as a
`FeeRule` — and a monthly price. Everyone without a paid subscription is on Free. A paid plan
is charged at the start of each period; a failed charge is retried over a grace period (the
member keeps the plan meanwhile), then the member is moved to Free. Shortly before the last
retry the member is reminded once (a day ahead, or halfway from the retry before it when the
two are closer, as deal reminders choose their lead). Cancelling keeps the plan until the paid
period ends.

    active ──charge fails──▶ past_due ──a retry succeeds──▶ active
      │ cancel                  ├─ retries exhausted ──▶ downgraded (Free)
      ▼                         └─ cancel ──▶ cancelled (Free at once: the period is unpaid)
    active, cancelling ──period ends──▶ cancelled (Free)

Standard library and the domain only; time is an argument, so the SubscriptionWorkflow runs
these rules deterministically. Every transition returns a `Change`: the next state, a key that
records it once, and the notices to send.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from domain.errors import AlreadyDone, InvalidInput, InvalidTransition
from domain.fees import FeeRule
from domain.money import CASH_CURRENCY, Money
from domain.steps import Notice

FREE = "free"  # the default plan: every member without a live subscription is on it
PRO = "pro"
DAY = 24 * 3_600
MAX_NAME = 60
MAX_COMMISSION_BPS = 5_000  # 50 %: anything above is a typo, not a business model
MAX_MINIMUM_FEE_MINOR = 100_00
MAX_MONTHLY_PRICE_MINOR = 10_000_00
STRIPE_SMALLEST_CHARGE_MINOR = 50  # Stripe refuses card payments under 0.50 EUR
LAST_RETRY_REMINDER_LEAD = dt.timedelta(days=1)
# The notification kind of deadline reminders (domain.notification_policy's "reminders" topic):
# sent at once even in quiet hours, where a `subscription_*` kind would wait for the morning as a
# money notice, perhaps until after the retry it warns of.
REMINDER_KIND = "reminder"
PLANS_PAGE = "/plans"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    commission_bps: int  # basis points: 250 is 2.50 %
    minimum_fee_minor: int  # in each leg's own currency, like FeeRule
    monthly_price: Money

    @property
    def is_paid(self) -> bool:
        return self.monthly_price.is_positive

    @property
    def commission(self) -> str:
        return f"{self.commission_bps // 100}.{self.commission_bps % 100:02d} %"

    def fee_rule(self) -> FeeRule:
        return FeeRule(self.commission_bps, self.minimum_fee_minor)

    def checked(self) -> Plan:
        """The plan if every value is inside the platform's bounds; else the first field at fault."""
        if not 1 <= len(self.name.strip()) <= MAX_NAME:
            raise InvalidInput(f"a plan needs a name of 1 to {MAX_NAME} characters", field="name")
        if type(self.commission_bps) is not int or not 0 <= self.commission_bps <= MAX_COMMISSION_BPS:
            raise InvalidInput("the commission must be between 0 % and 50 %", field="commission_bps")
        if type(self.minimum_fee_minor) is not int or not 0 <= self.minimum_fee_minor <= MAX_MINIMUM_FEE_MINOR:
            raise InvalidInput("the minimum fee must be between 0.00 and 100.00", field="minimum_fee_minor")
        self._check_price()
        return self

    def _check_price(self) -> None:
        price = self.monthly_price
        if price.currency != CASH_CURRENCY:
            raise InvalidInput(f"plans are priced in {CASH_CURRENCY}", field="monthly_price")
        if self.code == FREE and price.amount_minor != 0:
            raise InvalidInput("the Free plan costs nothing: it is where every member without a "
                               "subscription is", field="monthly_price")
        if self.code != FREE and price.amount_minor < STRIPE_SMALLEST_CHARGE_MINOR:
            raise InvalidInput("a paid plan costs at least 0.50 EUR a month (Stripe's smallest card "
                               "payment)", field="monthly_price")
        if price.amount_minor > MAX_MONTHLY_PRICE_MINOR:
            raise InvalidInput("a plan costs at most 10,000.00 EUR a month", field="monthly_price")


# What every member paid before plans existed; the migration seeds Free with these values.
FREE_PLAN = Plan(FREE, "Free", FeeRule().basis_points, FeeRule().minimum_minor, Money.zero(CASH_CURRENCY))


# ---- the billing cycle ------------------------------------------------------------------
def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later; a day the month lacks becomes its last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class BillingPolicy:
    """When periods start and failed charges are tried again. Whole seconds, so the policy
    crosses Temporal's converter as plain numbers; tests use periods of seconds, not months."""

    period_s: int = 0  # 0: calendar months from the first day
    retry_after_s: tuple[int, ...] = (1 * DAY, 3 * DAY, 7 * DAY)  # after the due date; then Free

    def period_start(self, anchor: dt.datetime, period: int) -> dt.datetime:
        # Always counted from the anchor, so 31 Jan → 29 Feb → 31 Mar never drifts to the 29th.
        if self.period_s:
            return anchor + dt.timedelta(seconds=self.period_s * period)
        return add_months(anchor, period)

    def attempt_at(self, due_at: dt.datetime, attempt: int) -> dt.datetime | None:
        """When charge attempt `attempt` is made (1: on the due date); None once grace is over."""
        if attempt == 1:
            return due_at
        if 2 <= attempt <= len(self.retry_after_s) + 1:
            return due_at + dt.timedelta(seconds=self.retry_after_s[attempt - 2])
        return None

    @property
    def last_attempt(self) -> int:
        return len(self.retry_after_s) + 1

    def last_retry_reminder_at(self, due_at: dt.datetime) -> dt.datetime | None:
        """When the member is warned of the last retry: a day before it, or halfway from the
        attempt before it if that is closer; None when no attempt is a retry."""
        if self.last_attempt < 2:
            return None
        last = self.attempt_at(due_at, self.last_attempt)
        before = self.attempt_at(due_at, self.last_attempt - 1)
        assert last is not None and before is not None
        return last - min(LAST_RETRY_REMINDER_LEAD, (last - before) / 2)


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"
    DOWNGRADED = "downgraded"


LIVE_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})


class NextStep(StrEnum):
    """What the subscription's workflow must do now."""

    CHARGE = "charge"  # try this period's payment
    RENEW = "renew"  # the paid period is over: start the next one
    END = "end"  # the paid period of a cancelled subscription is over: Free
    DOWNGRADE = "downgrade"  # the grace period is over unpaid: Free


@dataclass(frozen=True)
class PeriodCharge:
    """One attempt at one period's payment; `key` is its Stripe idempotency key."""

    key: str
    business_id: int
    plan_code: str
    amount: Money
    attempt: int
    period_start: dt.datetime
    period_end: dt.datetime
    payment_method: str


@dataclass(frozen=True)
class Change:
    subscription: Subscription
    event: str
    key: str  # unique per change of one subscription: recording it twice changes nothing
    notices: tuple[Notice, ...] = ()


def stamp(moment: dt.datetime) -> str:
    """A moment as a key segment, to the millisecond (no colons: keys are colon-separated)."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y%m%dT%H%M%S}{utc.microsecond // 1000:03d}Z"


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def day(moment: dt.datetime) -> str:
    # Not strftime("%B"): month names follow the process's locale, and workflows must be deterministic.
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def open_subscription(business_id: int, plan: Plan, now: dt.datetime, payment_method: str,
                      policy: BillingPolicy | None = None) -> Subscription:
    """A new subscription whose first period starts now and is charged at once."""
    if not plan.is_paid:
        raise InvalidInput(f"{plan.name} is free: there is nothing to subscribe to", field="plan")
    return Subscription(business_id, plan, now, payment_method, policy or BillingPolicy())


@dataclass(frozen=True)
class Subscription:
    business_id: int
    plan: Plan  # this period's plan, at the price read when the period started
    anchor: dt.datetime  # when the first period started; it also names the subscription
    payment_method: str
    policy: BillingPolicy = field(default_factory=BillingPolicy)
    period: int = 0
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    paid: bool = False  # this period's payment succeeded
    failed_attempts: int = 0  # this period's
    cancel_at_period_end: bool = False
    next_plan_code: str | None = None  # a change of plan, from the next period
    version: int = 0
    reminded: bool = False  # this period's member was warned of the last retry

    # ---- where it stands --------------------------------------------------------------
    @property
    def period_start(self) -> dt.datetime:
        return self.policy.period_start(self.anchor, self.period)

    @property
    def period_end(self) -> dt.datetime:
        return self.policy.period_start(self.anchor, self.period + 1)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def next_attempt_at(self) -> dt.datetime | None:
        return None if self.paid else self.policy.attempt_at(self.period_start, self.failed_attempts + 1)

    @property
    def next_charge_at(self) -> dt.datetime | None:
        """The member's next payment, as the plans page shows it."""
        if not self.is_live or (self.paid and self.cancel_at_period_end):
            return None
        return self.period_end if self.paid else self.next_attempt_at

    @property
    def last_retry_reminder_at(self) -> dt.datetime | None:
        """When to warn of the last retry: only while it is the next attempt and not yet warned of."""
        if not self.is_live or self.paid or self.reminded or self.failed_attempts + 1 != self.policy.last_attempt:
            return None
        return self.policy.last_retry_reminder_at(self.period_start)

    def reminder_due(self, now: dt.datetime) -> bool:
        at = self.last_retry_reminder_at
        return at is not None and now >= at

    def next_alarm_at(self) -> dt.datetime | None:
        if not self.is_live:
            return None
        if self.paid:
            return self.period_end
        return self.next_attempt_at or self.period_start

    def step_due(self, now: dt.datetime) -> NextStep | None:
        if not self.is_live:
            return None
        if not self.paid:
            at = self.next_attempt_at
            return NextStep.DOWNGRADE if at is None else (NextStep.CHARGE if now >= at else None)
        if now < self.period_end:
            return None
        return NextStep.END if self.cancel_at_period_end else NextStep.RENEW

    def charge(self) -> PeriodCharge:
        attempt = self.failed_attempts + 1
        return PeriodCharge(f"subscription:{self.business_id}:{stamp(self.period_start)}:attempt-{attempt}",
                            self.business_id, self.plan.code, self.plan.monthly_price, attempt,
                            self.period_start, self.period_end, self.payment_method)

    # ---- transitions ------------------------------------------------------------------
    def charged(self, now: dt.datetime) -> Change:
        event = "subscribed" if self.period == 0 else ("recovered" if self.failed_attempts else "renewed")
        after = replace(self, status=SubscriptionStatus.ACTIVE, paid=True)
        p, price = self.plan, str(self.plan.monthly_price)
        notices = {
            "subscribed": (f"Welcome to {p.name}", f"We charged {price} for {p.name}. New deals in which you "
                           f"are paid carry a commission of {p.commission}. Next payment on {day(self.period_end)}."),
            "recovered": (f"Payment received: you stay on {p.name}",
                          f"We charged {price}; thank you. Next payment on {day(self.period_end)}."),
        }
        return self._change(after, event, notices.get(event))

    def charge_failed(self, reason: str, now: dt.datetime) -> Change:
        after = replace(self, status=SubscriptionStatus.PAST_DUE, failed_attempts=self.failed_attempts + 1)
        retry_at = after.next_attempt_at
        then = (f"We will try again on {day(retry_at)}; you keep {self.plan.name} until then. To pay with "
                "another card, choose it on the Plans page." if retry_at else
                "That was our last attempt.")
        return self._change(after, f"payment_failed-{after.failed_attempts}", (
            "Your payment failed", f"We could not charge {self.plan.monthly_price} for {self.plan.name}: "
                                   f"{reason.rstrip('.')}. {then}"))

    def remind_last_retry(self, now: dt.datetime) -> Change:
        """The one warning of a period's last retry; its key names the period, so it is sent once."""
        at = self.next_attempt_at
        if not self.reminder_due(now) or at is None:
            raise InvalidTransition("there is no last retry to remind of now")
        after = replace(self, reminded=True, version=self.version + 1)
        p, price = self.plan, self.plan.monthly_price
        notice = Notice(self.business_id, REMINDER_KIND, f"Last try to charge {price} for {p.name} on {day(at)}",
                        f"We have not been able to charge {price} for {p.name} this period. On {day(at)} at "
                        f"{at:%H:%M} UTC we will try one last time; if that fails too, your business "
                        f"moves to the Free plan and its deals pay Free's commission. To pay with another card, "
                        f"choose it on the Plans page ({PLANS_PAGE}) before then.")
        key = f"subscription:{self.business_id}:{stamp(self.anchor)}:{stamp(self.period_start)}:reminder"
        return Change(after, "last_retry_reminder", key, (notice,))

    def downgrade(self, now: dt.datetime) -> Change:
        after = replace(self, status=SubscriptionStatus.DOWNGRADED)
        return self._change(after, "downgraded", (
            "Your plan was moved to Free", f"We could not charge your card for {self.plan.name}, so your "
            f"business is now on the Free plan and its deals pay Free's commission. You can subscribe "
            "again at any time."))

    def end(self, now: dt.datetime) -> Change:
        after = replace(self, status=SubscriptionStatus.CANCELLED)
        return self._change(after, "ended", (
            f"Your {self.plan.name} plan has ended", "As you asked, your business is now on the Free plan. "
                                                     "You can subscribe again at any time."))

    def cancel(self, now: dt.datetime) -> Change:
        self._check_live()
        if self.cancel_at_period_end:
            raise AlreadyDone(f"your subscription is already cancelled; {self.plan.name} ends on "
                              f"{day(self.period_end)}")
        if not self.paid:
            return self.end(now)  # nothing was paid for this period: there is nothing to keep
        after = replace(self, cancel_at_period_end=True, next_plan_code=None)
        return self._change(after, "cancel_requested", (
            f"{self.plan.name} ends on {day(self.period_end)}",
            f"You cancelled {self.plan.name}: you keep it until {day(self.period_end)}, then move to the "
            "Free plan. Nothing more will be charged."))

    def change_plan(self, plan_code: str, payment_method: str, now: dt.datetime) -> Change:
        """Resume a cancelled subscription, switch plans from the next period, or change card."""
        self._check_live()
        if plan_code == FREE:
            raise InvalidInput("to move to Free, cancel your subscription", field="plan")
        after = replace(self, cancel_at_period_end=False, payment_method=payment_method or self.payment_method,
                        next_plan_code=None if plan_code == self.plan.code else plan_code)
        if after == self:
            raise AlreadyDone(f"you are already on {self.plan.name}")
        if self.cancel_at_period_end and not after.cancel_at_period_end and after.next_plan_code is None:
            return self._change(after, "resumed", (f"{self.plan.name} continues", "You took back your "
                                f"cancellation. Next payment on {day(self.period_end)}."))
        if after.next_plan_code != self.next_plan_code:
            return self._change(after, "plan_changed", ("Your plan changes", f"From {day(self.period_end)} "
                                f"your business is on the {plan_code} plan."))
        return self._change(after, "card_changed", None)

    def renewed(self, plan: Plan) -> Subscription:
        """The next period, on `plan` (read at the period's start: an admin may have repriced it)."""
        return replace(self, plan=plan, period=self.period + 1, status=SubscriptionStatus.ACTIVE, paid=False,
                       failed_attempts=0, reminded=False, next_plan_code=None if self.next_plan_code == plan.code
                       else self.next_plan_code)

    def _check_live(self) -> None:
        if not self.is_live:
            raise InvalidTransition("there is no paid plan to change: your business is on Free")

    def _change(self, after: Subscription, event: str, notice: tuple[str, str] | None) -> Change:
        after = replace(after, version=self.version + 1)
        key = f"subscription:{self.business_id}:{stamp(self.anchor)}:{after.version}:{event}"
        notices = (Notice(self.business_id, f"subscription_{event.split('-')[0]}", *notice),) if notice else ()
        return Change(after, event, key, notices)
