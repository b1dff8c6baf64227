"""The domain's error tree; the web maps it to HTTP status codes in one place.

    TradepactError
    ├── InvalidInput            malformed values (422)
    │   └── TermsOutOfBounds    a term outside the platform's bounds
    ├── RuleViolation           an action not allowed now (409)
    │   ├── InvalidTransition   the deal's stage does not allow the action
    │   ├── NotADealParty       the actor may not take this action on this deal
    │   ├── DeadlinePassed      the window for the action has closed
    │   └── AlreadyDone         the action was already taken (e.g. a second review)
    └── FundsError              money rules (409)
        ├── InsufficientFunds   an account would go below zero
        ├── CreditLimitExceeded a member's credit balance would pass its credit line
        ├── CurrencyMismatch    two amounts in different currencies were combined
        ├── PaymentDeclined     the payer's card or bank refused a cash payment
        └── PayoutsNotReady     the payee cannot receive cash yet (no Stripe payout account)
"""

from __future__ import annotations


class TradepactError(Exception):
    """Root of every rule the platform enforces."""

    code = "tradepact_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(TradepactError):
    """A value is malformed: wrong type, sign, size or shape."""

    code = "invalid_input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TermsOutOfBounds(InvalidInput):
    """Deal terms must stay inside the platform's bounds (e.g. inspection 1-30 days)."""

    code = "terms_out_of_bounds"


class RuleViolation(TradepactError):
    """The action is well-formed but not allowed now."""

    code = "rule_violation"


class InvalidTransition(RuleViolation):
    """A deal moves only along its transition table."""

    code = "invalid_transition"


class NotADealParty(RuleViolation):
    """Only the party named for a transition may take it."""

    code = "not_a_deal_party"


class DeadlinePassed(RuleViolation):
    """Actions bound to a window are refused once it has closed."""

    code = "deadline_passed"


class AlreadyDone(RuleViolation):
    """Some actions happen once per party (funding, reviewing)."""

    code = "already_done"


class FundsError(TradepactError):
    """Money rules: balances, credit lines, currencies."""

    code = "funds_error"


class InsufficientFunds(FundsError):
    """An account without a credit line cannot go below zero."""

    code = "insufficient_funds"


class CreditLimitExceeded(FundsError):
    """A member's credit balance may go below zero only down to its credit line."""

    code = "credit_limit_exceeded"


class CurrencyMismatch(FundsError):
    """Amounts in different currencies never mix."""

    code = "currency_mismatch"


class PaymentDeclined(FundsError):
    """A card payment was refused; the payer may try again until the funding deadline."""

    code = "payment_declined"


class PayoutsNotReady(FundsError):
    """Cash reaches a business only through its Stripe payout account, so it needs one first."""

    code = "payouts_not_ready"


ERRORS_BY_CODE: dict[str, type[TradepactError]] = {
    cls.code: cls
    for cls in (
        TradepactError, InvalidInput, TermsOutOfBounds, RuleViolation, InvalidTransition,
        NotADealParty, DeadlinePassed, AlreadyDone, FundsError, InsufficientFunds,
        CreditLimitExceeded, CurrencyMismatch, PaymentDeclined, PayoutsNotReady,
    )
}
