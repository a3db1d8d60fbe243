"""App columns: language, model switch, idempotency key, ledger row kind, lookup indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(8), nullable=True))
    op.add_column("models", sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("predictions", sa.Column("request_key", sa.String(128), nullable=True))
    op.add_column(
        "transactions",
        sa.Column("kind", sa.String(32), nullable=False, server_default="other"),
    )
    op.create_index("uq_predictions_request_key", "predictions", ["request_key"], unique=True)
    op.create_index("ix_predictions_status", "predictions", ["status"])
    op.create_index("ix_predictions_user_id_created_at", "predictions", ["user_id", "created_at"])
    op.create_index(
        "uq_transactions_prediction_id_kind",
        "transactions",
        ["prediction_id", "kind"],
        unique=True,
    )
    op.create_index("ix_transactions_user_id_created_at", "transactions", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_transactions_user_id_created_at", "transactions")
    op.drop_index("uq_transactions_prediction_id_kind", "transactions")
    op.drop_index("ix_predictions_user_id_created_at", "predictions")
    op.drop_index("ix_predictions_status", "predictions")
    op.drop_index("uq_predictions_request_key", "predictions")
    with op.batch_alter_table("transactions") as b:
        b.drop_column("kind")
    with op.batch_alter_table("predictions") as b:
        b.drop_column("request_key")
    with op.batch_alter_table("models") as b:
        b.drop_column("is_active")
    with op.batch_alter_table("users") as b:
        b.drop_column("language")
