"""What a long-running server process (the worker, the web) does once it has started up.

Python's cyclic garbage collector walks every tracked object of the generation it collects,
and a full collection walks all of them: the SDK, SQLAlchemy, Flask and our modules, hundreds
of thousands of objects that live as long as the process. The worker makes cyclic garbage at
a steady rate (the workflow sandbox imports a deal's workflow module afresh for every deal;
each import leaves classes, functions and module dicts behind), so full collections come
often and each re-walks everything loaded at startup. `gc.freeze()` moves what exists now
into a permanent generation the collector no longer walks; garbage made later is collected
as before. Replaying a saved deal history in a loop, CPU per deal fell about 20 % with it.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Stop the collector re-walking what the process loaded to start; call once, when ready."""
    gc.collect()  # what startup already dropped must not be frozen with the rest
    gc.freeze()
