"""The server's clock: epoch milliseconds, the unit every stored time uses.

Example::

    now_ms()        # 1764757392123
"""

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
