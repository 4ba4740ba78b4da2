"""After start-up, keep what start-up built out of the cycle collector's way.

Everything a running bot keeps for its whole life is built before it serves: the content
library and its lookup index, the command table, the platform libraries' tables, SQLAlchemy's
metadata, the imported modules themselves. A full (generation 2) collection walks every one of
those objects each time, and it runs on the event loop: 70-80 ms in the bot process under
``bench_latency`` (``gc.callbacks``), a stall for whichever command or delivery is in flight.
Frozen, they are never walked again; a full collection then covers only what was made since.
Freezing frees nothing and copies nothing: objects that die later are still freed by their
reference counts, and only a cycle among frozen objects would outlive its use.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle() -> None:
    """Collect start-up's garbage once, then freeze every object left (call once serving).

    Once per process: a process that serves again (an embedding program, the test suite)
    keeps its first freeze rather than pinning whatever its later runs leave behind.
    """
    if gc.get_freeze_count():
        return
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.debug("froze %d start-up objects in %.0f ms", gc.get_freeze_count(),
              (time.perf_counter() - started) * 1e3)
