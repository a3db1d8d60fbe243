"""Ids from outside (callback data, command arguments) are checked before they reach SQL.

A client can send any callback data and an admin can type any number: SQLite raises
OverflowError for an integer beyond 64 bits, and PostgreSQL refuses one beyond its column's type
(the seed schema's INTEGER keys: 32 bits). An id out of range matches nothing, like a missing one.
"""

from __future__ import annotations

ROW_ID_MAX = 2**31 - 1  # INTEGER primary keys: users, predictions, orders, payments…
BIGINT_MAX = 2**63 - 1  # BIGINT columns: Telegram ids


def parse_id(value: str | int, maximum: int = ROW_ID_MAX) -> int | None:
    """A positive id up to `maximum` (as text: ASCII digits only), else None."""
    if isinstance(value, str):
        # str.isdigit() also takes "²" and "①", which int() refuses
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
            return None
        value = int(value)
    return value if 0 < value <= maximum else None
