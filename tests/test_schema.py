"""The migrations produce the seed schema (plus our additions) on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Base

# The seed: table -> column -> (type, nullable). Our additions are listed apart.
SEED: dict[str, dict[str, tuple[type, bool]]] = {
    "users": {
        "id": (sa.Integer, False),
        "username": (sa.String, False),
        "email": (sa.String, False),
        "hashed_password": (sa.String, False),
        "balance": (sa.Float, False),
        "disabled": (sa.Boolean, False),
        "created_at": (sa.DateTime, False),
    },
    "models": {
        "id": (sa.Integer, False),
        "name": (sa.String, False),
        "cost": (sa.Float, False),
        "file_path": (sa.String, False),
    },
    "predictions": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "model_id": (sa.Integer, False),
        "input_data": (sa.JSON, False),
        "result": (sa.JSON, True),
        "status": (sa.String, False),
        "created_at": (sa.DateTime, False),
    },
    "transactions": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, False),
        "amount": (sa.Float, False),
        "description": (sa.String, False),
        "created_at": (sa.DateTime, False),
        "prediction_id": (sa.Integer, True),
    },
}
ADDED = {
    "users": {
        "telegram_id": sa.BigInteger,
        "language": sa.String,
        "unreachable_at": sa.DateTime,
        "notifications": sa.Boolean,
        "pictures": sa.Boolean,
    },
    "models": {"is_active": sa.Boolean, "version_id": sa.Integer},
    "predictions": {
        "request_key": sa.String,
        "notice": sa.String,
        "version_id": sa.Integer,
        "recovery_started_at": sa.DateTime,
        "batch_key": sa.String,
    },
    "transactions": {
        "kind": sa.String,
        "payment_id": sa.Integer,
        "idempotency_key": sa.String,
        "params": sa.JSON,
    },
}


async def _inspect(engine: AsyncEngine) -> dict[str, Any]:
    def run(conn: sa.Connection) -> dict[str, Any]:
        insp = sa.inspect(conn)
        out: dict[str, Any] = {"tables": set(insp.get_table_names())}
        for table in SEED:
            out[table] = {
                "columns": {c["name"]: c for c in insp.get_columns(table)},
                "pk": insp.get_pk_constraint(table)["constrained_columns"],
                "unique": {tuple(u["column_names"]) for u in insp.get_unique_constraints(table)}
                | {tuple(i["column_names"]) for i in insp.get_indexes(table) if i["unique"]},
                "indexes": {tuple(i["column_names"]) for i in insp.get_indexes(table)},
                "fks": {
                    (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                    for fk in insp.get_foreign_keys(table)
                },
            }
        return out

    async with engine.connect() as conn:
        return await conn.run_sync(run)


async def test_seed_tables_columns_and_types(engine: AsyncEngine) -> None:
    schema = await _inspect(engine)
    assert set(SEED) <= schema["tables"]
    for table, columns in SEED.items():
        found = schema[table]["columns"]
        for name, (type_, nullable) in columns.items():
            assert name in found, f"{table}.{name} missing"
            assert isinstance(found[name]["type"], type_), (table, name, found[name]["type"])
            assert found[name]["nullable"] is nullable, (table, name)
        for name, type_ in ADDED[table].items():
            assert isinstance(found[name]["type"], type_), (table, name)
        assert set(found) == set(columns) | set(ADDED[table])
        assert schema[table]["pk"] == ["id"]
    for table, column in [
        ("users", "username"),
        ("users", "email"),
        ("models", "name"),
        ("users", "hashed_password"),
        ("transactions", "description"),
        ("predictions", "status"),
    ]:
        assert schema[table]["columns"][column]["type"].length == 255


async def test_seed_defaults_uniqueness_indexes_and_keys(engine: AsyncEngine) -> None:
    schema = await _inspect(engine)
    users = schema["users"]
    assert "10" in str(users["columns"]["balance"]["default"])
    assert str(users["columns"]["disabled"]["default"]).lower().strip("'") in {"0", "false"}
    assert "pending" in str(schema["predictions"]["columns"]["status"]["default"])
    assert {("username",), ("email",), ("telegram_id",)} <= users["unique"]
    assert ("username",) in users["indexes"]
    assert ("name",) in schema["models"]["unique"]
    for table in ("models", "predictions", "transactions"):
        assert ("id",) in schema[table]["indexes"], table
    assert schema["predictions"]["fks"] == {
        (("user_id",), "users", ("id",)),
        (("model_id",), "models", ("id",)),
    }
    assert schema["transactions"]["fks"] == {
        (("user_id",), "users", ("id",)),
        (("prediction_id",), "predictions", ("id",)),
        (("payment_id",), "payments", ("id",)),
    }
    # Our guards: one charge and one refund per prediction at most; a keyed operation once.
    assert ("prediction_id", "kind") in schema["transactions"]["unique"]
    assert ("idempotency_key",) in schema["transactions"]["unique"]
    assert ("request_key",) in schema["predictions"]["unique"]


async def test_orm_models_match_the_migrations(engine: AsyncEngine) -> None:
    def diff(conn: sa.Connection) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_bigint_telegram_ids_fit(engine: AsyncEngine) -> None:
    big = 8_000_000_000  # beyond 32 bits, as recent Telegram ids are
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO users (username, email, hashed_password, balance, disabled, created_at,"
                " telegram_id) VALUES ('big', 'big@example.com', 'x', 10.0, false, "
                "CURRENT_TIMESTAMP, :tid)"
            ),
            {"tid": big},
        )
        assert (await conn.execute(sa.text("SELECT telegram_id FROM users"))).scalar() == big
        # the seed's column default applies when balance is not given
        await conn.execute(
            sa.text(
                "INSERT INTO users (username, email, hashed_password, created_at) "
                "VALUES ('d', 'd@example.com', 'x', CURRENT_TIMESTAMP)"
            )
        )
        row = (await conn.execute(sa.text("SELECT balance, disabled FROM users WHERE username = 'd'"))).one()
        assert row[0] == 10.0 and not row[1]


async def test_earlier_payments_ledger_rows_are_tied_to_their_payment(db_url: str) -> None:
    """Migration 0004 links the top-up and refund rows of payments made before it, so the
    per-payment check of reconcile() holds for them too."""
    from db.engine import create_engine
    from db.ledger import reconcile
    from db.migrate import upgrade

    eng = create_engine(db_url)
    try:
        await upgrade(eng, "0003")
        async with eng.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO users (id, username, email, hashed_password, balance, disabled, created_at)"
                    " VALUES (1, 'old', 'old@example.com', 'x', 0, false, CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO orders (id, user_id, stars, credits, payload, status, created_at)"
                    " VALUES (7, 1, 50, 50, 'topup:old', 'paid', CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO payments (id, order_id, user_id, telegram_payment_charge_id, stars,"
                    " credits, status, created_at) VALUES (3, 7, 1, 'old-charge', 50, 50, 'refunded',"
                    " CURRENT_TIMESTAMP)"
                )
            )
            for amount, kind, text_ in (
                (50, "topup", "Top up: 50 Telegram Stars (order #7)"),
                (-50, "topup_refund", "Refund of 50 Telegram Stars (order #7)"),
            ):
                await conn.execute(
                    sa.text(
                        "INSERT INTO transactions (user_id, amount, description, created_at, kind)"
                        " VALUES (1, :a, :d, CURRENT_TIMESTAMP, :k)"
                    ),
                    {"a": amount, "d": text_, "k": kind},
                )
        await upgrade(eng)
        async with eng.connect() as conn:
            linked = (await conn.execute(sa.text("SELECT payment_id FROM transactions"))).scalars().all()
            rounds = await conn.scalar(sa.text("SELECT refund_round FROM payments"))
        assert linked == [3, 3] and rounds == 1
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(eng) as s:
            assert await reconcile(s) == []
    finally:
        await eng.dispose()
