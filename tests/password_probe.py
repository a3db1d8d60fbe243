"""A password hasher for tests that looks at the database each time it hashes or verifies.

Hashing inside a transaction stalls every other writer (SQLite has one write lock, and the bot
takes it with BEGIN IMMEDIATE for every transaction). ProbingPasswords records, at the moment a
hash or a verification starts (while its caller waits for it), whether any transaction is open:
on SQLite, whether another connection can take the write lock at once; on PostgreSQL, whether any
other session of the test's database is inside a transaction. It can also hold a verification
until the test releases it, to do other work meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3

from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from db.accounts import Passwords

OPEN_TRANSACTIONS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
)


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class ProbingPasswords(Passwords):
    def __init__(self, db_url: str, hasher: PasswordHasher | None = None) -> None:
        super().__init__(hasher or cheap_hasher())
        self.db_url = db_url
        self.hashes = 0
        self.verifications = 0
        self.held: list[str] = []  # "verify: database is locked", one per hash done inside a transaction
        self.hold: asyncio.Event | None = None  # set: verifications wait for it to be set...
        self.holding = asyncio.Event()  # ...and set this while they wait

    async def _open_transaction(self) -> str | None:
        url = make_url(self.db_url)
        if url.get_backend_name() == "sqlite":
            conn = sqlite3.connect(str(url.database), timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return None
            except sqlite3.OperationalError as exc:
                return str(exc)
            finally:
                conn.close()
        engine = create_async_engine(self.db_url, poolclass=NullPool)
        try:
            async with engine.connect() as pg:
                count = await pg.scalar(OPEN_TRANSACTIONS)
        finally:
            await engine.dispose()
        return f"{count} transaction(s) open" if count else None

    async def _probe(self, what: str) -> None:
        found = await self._open_transaction()
        if found:
            self.held.append(f"{what}: {found}")

    async def hash(self, password: str) -> str:
        self.hashes += 1
        await self._probe("hash")
        return await Passwords.hash(self, password)

    async def verify(self, hashed: str, password: str) -> bool:
        self.verifications += 1
        await self._probe("verify")
        if self.hold is not None:
            self.holding.set()
            await self.hold.wait()
        return await Passwords.verify(self, hashed, password)
