"""Bulk SQL helpers for group commit (see grouping.Coalescer): ids of a multi-row insert, rounds of
updates that touch each key once."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession


def rounds(count: int, key: Callable[[int], Hashable]) -> Iterator[list[int]]:
    """Indices 0..count-1 in successive rounds in which no key appears twice (first come first):
    e.g. one debit per user per round, so each sees the balance the previous one left."""
    todo = list(range(count))
    while todo:
        now: list[int] = []
        later: list[int] = []
        seen: set[Hashable] = set()
        for i in todo:
            k = key(i)
            (later if k in seen else now).append(i)
            seen.add(k)
        yield now
        todo = later


async def insert_ids(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], match: Sequence[str]
) -> list[int]:
    """Insert `rows` into `table` (an integer `id` key) and return their ids, in row order.

    Sent as multi-row INSERT … RETURNING (SQLAlchemy's insertmanyvalues: a page of rows per
    statement). Neither SQLite nor PostgreSQL promises RETURNING rows in VALUES order, so each id
    is matched back to its row by the first column of `match` whose values are set and distinct
    among the rows. When none is, SQLAlchemy's sort_by_parameter_order keeps the order instead
    (on SQLite that costs one statement per row).
    """
    if not rows:
        return []
    for column in match:
        keys = [row[column] for row in rows]
        if None not in keys and len(set(keys)) == len(keys):
            result = await session.execute(insert(table).returning(table.c[column], table.c.id), list(rows))
            ids = {key: pid for key, pid in result}
            if len(ids) != len(keys):
                raise RuntimeError(f"{table.name}: {len(ids)} ids back for {len(keys)} rows")
            return [ids[key] for key in keys]
    result = await session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
    )
    return list(result.scalars())
