"""User settings (notifications, pictures), CSV batches as one item, ledger lines rendered per
language from their parameters, promo codes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("notifications", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("pictures", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("predictions", sa.Column("batch_key", sa.String(128), nullable=True))
    op.create_index("ix_predictions_batch_key", "predictions", ["batch_key"])
    op.add_column("transactions", sa.Column("params", sa.JSON(), nullable=True))
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("credits", sa.Float(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "promo_redemptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("promo_id", sa.Integer(), sa.ForeignKey("promo_codes.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("transaction_id", sa.Integer(), sa.ForeignKey("transactions.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "uq_promo_redemptions_promo_user", "promo_redemptions", ["promo_id", "user_id"], unique=True
    )
    op.create_index("ix_promo_redemptions_user_id", "promo_redemptions", ["user_id"])


def downgrade() -> None:
    op.drop_table("promo_redemptions")
    op.drop_table("promo_codes")
    with op.batch_alter_table("transactions") as b:
        b.drop_column("params")
    op.drop_index("ix_predictions_batch_key", "predictions")
    with op.batch_alter_table("predictions") as b:
        b.drop_column("batch_key")
    with op.batch_alter_table("users") as b:
        b.drop_column("pictures")
        b.drop_column("notifications")
