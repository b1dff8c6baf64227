"""Read-side queries for the web: plain dataclasses out, never ORM objects, never a write.

Each function takes the caller's `Session`. Deal pages rebuild the domain `Deal` from the
read model's JSON so the web asks the domain itself what a viewer may do next.
"""

from integrations.db.queries.account import *  # noqa: F403
from integrations.db.queries.catalog import *  # noqa: F403
from integrations.db.queries.deals import *  # noqa: F403
from integrations.db.queries.finance import *  # noqa: F403
from integrations.db.queries.members import *  # noqa: F403
from integrations.db.queries.settlements import *  # noqa: F403
from integrations.db.queries.views import *  # noqa: F403
