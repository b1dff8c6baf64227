"""Business verification (KYB): a business submits who it is, an admin reviews, and verified
businesses may trade larger deals and draw on a credit line.

    none / rejected ──submit──▶ submitted ──approve──▶ approved (final)
                                   │ ├──reject (with reason)──▶ rejected (final for this case)
                                   │ └──ask for more──▶ info_requested ──submit──▶ submitted

Every step returns a `VerificationStep`: the new state and what to tell whom (the business's
inbox, the admins' alerts). Documents reuse the evidence rules (domain/evidence.py) with a
narrower list of types. Standard library only; time is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from domain.dispute_errors import EvidenceRefused
from domain.errors import InvalidInput, InvalidTransition, NotADealParty, RuleViolation
from domain.evidence import MB, EvidenceFile, EvidenceRules
from domain.money import Money

DOCUMENT_RULES = EvidenceRules(max_file_bytes=10 * MB, max_files=5, max_statement=2_000,
                               allowed_types=("application/pdf", "image/png", "image/jpeg"))


class VerificationRequired(RuleViolation):
    """Unverified businesses trade only small deals: a larger one waits until both sides are
    verified. (Keeps its parent's code, as domain/dispute_errors.py explains.)"""


class Status(StrEnum):
    NONE = "none"
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class Act(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"


STATUS_LABELS = {Status.NONE: "not verified", Status.SUBMITTED: "waiting for review",
                 Status.INFO_REQUESTED: "more information needed", Status.APPROVED: "verified",
                 Status.REJECTED: "rejected"}
# Which acts each status allows, and who takes them: the business submits, an admin decides.
ALLOWED = {Status.NONE: {Act.SUBMIT}, Status.REJECTED: {Act.SUBMIT}, Status.INFO_REQUESTED: {Act.SUBMIT},
           Status.SUBMITTED: {Act.APPROVE, Act.REJECT, Act.REQUEST_INFO}, Status.APPROVED: set()}
ADMIN_ACTS = {Act.APPROVE, Act.REJECT, Act.REQUEST_INFO}
REFUSALS = {Act.SUBMIT: "there is nothing to submit now", Act.APPROVE: "only a case that waits for review is approved",
            Act.REJECT: "only a case that waits for review is rejected",
            Act.REQUEST_INFO: "more information is asked only while a case waits for review"}


@dataclass(frozen=True)
class VerificationPolicy:
    unverified_deal_limit_minor: int = 250_00  # per leg, in any currency
    credit_line_minor: int = 500_00  # granted on approval
    # Seconds (a workflow's input crosses Temporal as JSON, which has no durations).
    info_reminder_after_s: float = 3 * 86_400  # the business has not answered a question
    review_reminder_after_s: float = 2 * 86_400  # a case waits for an admin


@dataclass(frozen=True)
class Submission:
    registration_number: str
    address: str
    representative: str
    documents: tuple[EvidenceFile, ...] = ()
    note: str = ""

    def check(self) -> None:
        for name, value, limit in (("registration_number", self.registration_number, 40),
                                   ("address", self.address, 300), ("representative", self.representative, 120)):
            if not value.strip():
                raise InvalidInput("this is required", field=name)
            if len(value) > limit:
                raise InvalidInput(f"at most {limit} characters", field=name)
        if not self.documents:
            raise EvidenceRefused("attach at least one document (registration extract, ID of the representative)",
                                  field="documents")
        DOCUMENT_RULES.check(self.note, self.documents)


@dataclass(frozen=True)
class Notice:
    to: str  # "business" or "admins"
    kind: str
    subject: str
    body: str


@dataclass(frozen=True)
class Verification:
    business_id: int
    status: Status = Status.NONE
    version: int = 0
    submission: Submission | None = None
    reason: str = ""  # the admin's reason (rejection) or question (more information)
    waiting_since: dt.datetime | None = None  # since when the case waits on someone
    reminded_version: int = -1  # the version whose wait was already reminded
    decided_by: int | None = None
    policy: VerificationPolicy = field(default_factory=VerificationPolicy)

    @property
    def verified(self) -> bool:
        return self.status is Status.APPROVED

    @property
    def finished(self) -> bool:
        return self.status in (Status.APPROVED, Status.REJECTED)

    def check(self, act: Act, is_admin: bool) -> None:
        if (act in ADMIN_ACTS) != is_admin:
            raise NotADealParty("only an admin may decide a verification" if act in ADMIN_ACTS
                                else "only the business itself submits its verification")
        if act not in ALLOWED[self.status]:
            raise InvalidTransition(f"the verification's status is “{STATUS_LABELS[self.status]}”: {REFUSALS[act]}")

    def submit(self, submission: Submission, now: dt.datetime) -> VerificationStep:
        self.check(Act.SUBMIT, is_admin=False)
        submission.check()
        again = self.status is Status.INFO_REQUESTED
        body = (f"Business #{self.business_id} {'answered the request for more information' if again else 'asks to be verified'}"
                f" (registration {submission.registration_number.strip()}); it waits in the review queue.")
        return self._step("resubmitted" if again else "submitted", now, Status.SUBMITTED,
                          "Submitted for verification: an admin reviews it",
                          (Notice("admins", "verification_waiting", "A verification waits for review", body),),
                          submission=submission, reason="", decided_by=None)

    def approve(self, admin_id: int, now: dt.datetime) -> VerificationStep:
        self.check(Act.APPROVE, is_admin=True)
        line = Money(self.policy.credit_line_minor, "CRD")
        return self._step("approved", now, Status.APPROVED, "Verified: your business carries the badge",
                          (Notice("business", "verification_approved", "Your business is verified",
                                  f"Your business is verified. Larger deals are open to you and your credit "
                                  f"line is {line.amount_minor / 100:,.2f} CRD."),),
                          decided_by=admin_id, reason="")

    def reject(self, admin_id: int, reason: str, now: dt.datetime) -> VerificationStep:
        self.check(Act.REJECT, is_admin=True)
        reason = _reason(reason)
        return self._step("rejected", now, Status.REJECTED, f"Verification rejected: {reason}",
                          (Notice("business", "verification_rejected", "Your verification was rejected",
                                  f"Your verification was rejected: {reason}. You may submit again."),),
                          decided_by=admin_id, reason=reason)

    def request_info(self, admin_id: int, question: str, now: dt.datetime) -> VerificationStep:
        self.check(Act.REQUEST_INFO, is_admin=True)
        question = _reason(question)
        return self._step("info_requested", now, Status.INFO_REQUESTED, f"More information asked: {question}",
                          (Notice("business", "verification_info", "Your verification needs more information",
                                  f"An admin asks: {question}. Answer under Account → Verification."),),
                          decided_by=admin_id, reason=question)

    # ---- reminders ----------------------------------------------------------------------
    def reminder_due_at(self) -> dt.datetime | None:
        """When the current wait earns a reminder (once per wait), or None."""
        if self.waiting_since is None or self.reminded_version == self.version:
            return None
        if self.status is Status.INFO_REQUESTED:
            return self.waiting_since + dt.timedelta(seconds=self.policy.info_reminder_after_s)
        if self.status is Status.SUBMITTED:
            return self.waiting_since + dt.timedelta(seconds=self.policy.review_reminder_after_s)
        return None

    def remind(self, now: dt.datetime) -> VerificationStep:
        due = self.reminder_due_at()
        if due is None or now < due:
            raise InvalidTransition("no reminder is due")
        if self.status is Status.INFO_REQUESTED:
            notice = Notice("business", "verification_reminder", "Reminder: your verification needs an answer",
                            f"An admin asked: {self.reason}. Answer under Account → Verification.")
        else:
            notice = Notice("admins", "verification_waiting", "A verification has waited too long",
                            f"Business #{self.business_id} has waited for review since "
                            f"{self.waiting_since:%Y-%m-%d %H:%M} UTC.")
        changed = replace(self, version=self.version + 1, reminded_version=self.version + 1)
        return VerificationStep(changed, "reminded", now, f"Reminder sent ({notice.to})", (notice,))

    def _step(self, event: str, now: dt.datetime, status: Status, summary: str, notices: tuple[Notice, ...],
              **changes: object) -> VerificationStep:
        waiting = now if status in (Status.SUBMITTED, Status.INFO_REQUESTED) else None
        changed = replace(self, status=status, version=self.version + 1, waiting_since=waiting, **changes)
        return VerificationStep(changed, event, now, summary, notices)


@dataclass(frozen=True)
class VerificationStep:
    verification: Verification
    event: str
    at: dt.datetime
    summary: str
    notices: tuple[Notice, ...] = ()

    @property
    def key(self) -> str:
        return f"verification:{self.verification.business_id}:v{self.verification.version}"


def _reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("give the reason, the business reads it", field="reason")
    if len(text) > 1_000:
        raise InvalidInput("at most 1,000 characters", field="reason")
    return text


def check_deal_size(legs: tuple[Money, ...], unverified: tuple[str, ...], policy: VerificationPolicy) -> None:
    """A deal with an unverified party stays within the small-deal limit on every leg."""
    limit = policy.unverified_deal_limit_minor
    too_big = [leg for leg in legs if leg.amount_minor > limit]
    if unverified and too_big:
        leg = too_big[0]
        raise VerificationRequired(
            f"deals above {limit / 100:,.2f} {leg.currency} per payment need verified businesses, and "
            f"{' and '.join(unverified)} {'is' if len(unverified) == 1 else 'are'} not verified yet "
            "(Account → Verification)")
