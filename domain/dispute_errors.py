"""The refusals particular to disputes, as branches of the domain's one error tree.

    InvalidInput (422)
    ├── RulingDoesNotMatchEscrow   a ruling or settlement offer that does not add up to what is held
    └── EvidenceRefused            a file too large, of a refused type, or malformed
    RuleViolation (409)
    ├── NotADealParty
    │   └── NotTheAssignedArbitrator  a ruling by anyone but the case's current arbitrator
    └── NoArbitratorAvailable      every active arbitrator has a conflict (or none is senior enough)

Each class keeps its parent's `code` on purpose. `ERRORS_BY_CODE` (domain/errors.py) lists the
classes of that module only, and it is what a refusal crosses Temporal with: the workflows
mark those codes non-retryable and the web rebuilds the error from the code (422 for
InvalidInput, 409 otherwise). A new code would arrive as a bare TradepactError (409, field
lost) and be retried as if it were a fault. Keeping the parent's code, a dispute refusal maps
exactly like the rule it specialises, while the domain and its tests can still catch it by name.
"""

from __future__ import annotations

from domain.errors import InvalidInput, NotADealParty, RuleViolation


class RulingDoesNotMatchEscrow(InvalidInput):
    """Money moves exactly as ruled, so a ruling must account for every minor unit held, per
    currency and per bond: no more, no less, nothing in a currency that is not held."""


class EvidenceRefused(InvalidInput):
    """Evidence is stored with its SHA-256, within a size limit and of the allowed types only."""


class NotTheAssignedArbitrator(NotADealParty):
    """Only the arbitrator currently assigned may rule; one reassigned away may no longer."""


class NoArbitratorAvailable(RuleViolation):
    """A case is never given to an arbitrator with a conflict; if none is free of one, say so
    and let an operator act rather than pick a conflicted one."""
