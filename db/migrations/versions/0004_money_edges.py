"""Money at the edges: ledger rows tied to payments with an idempotency key, refund rounds and
claimed refund attempts, the payer's Telegram id, payments found by reconciliation, matching no
account or refunded outside the bot, recovery notices, login throttle.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as b:
        b.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))
        b.create_foreign_key("fk_transactions_payment_id_payments", "payments", ["payment_id"], ["id"])
    op.create_index("ix_transactions_payment_id", "transactions", ["payment_id"])
    op.create_index("uq_transactions_idempotency_key", "transactions", ["idempotency_key"], unique=True)
    op.add_column("payments", sa.Column("refund_round", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("payments", sa.Column("source", sa.String(16), nullable=False, server_default="update"))
    op.add_column("payments", sa.Column("refunded_outside_at", sa.DateTime(), nullable=True))
    # who paid (refunds go to them, whatever account their payment credited since), and when a
    # process took the current refund attempt (one attempt at a time)
    op.add_column("payments", sa.Column("payer_telegram_id", sa.BigInteger(), nullable=True))
    op.add_column("payments", sa.Column("refund_claimed_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE payments SET payer_telegram_id ="
        " (SELECT users.telegram_id FROM users WHERE users.id = payments.user_id)"
    )
    # a payment that matches no account is recorded too (and its Stars returned)
    with op.batch_alter_table("payments") as b:
        b.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
    # Earlier payments' ledger rows name their order in the description: tie them to the payment
    # that credited that order, and count its refund rounds, so the per-payment check of
    # reconcile() covers them too.
    op.execute(
        "UPDATE transactions SET payment_id = ("
        " SELECT p.id FROM payments p WHERE p.user_id = transactions.user_id AND p.credits > 0"
        " AND transactions.description LIKE '%(order #' || p.order_id || ')')"
        " WHERE kind IN ('topup', 'topup_refund', 'topup_refund_reverted')"
    )
    op.execute(
        "UPDATE payments SET refund_round = (SELECT count(*) FROM transactions t"
        " WHERE t.payment_id = payments.id AND t.kind = 'topup_refund')"
    )
    op.add_column("predictions", sa.Column("notice", sa.String(16), nullable=True))
    op.create_index("ix_predictions_notice", "predictions", ["notice"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_index("ix_predictions_notice", "predictions")
    with op.batch_alter_table("predictions") as b:
        b.drop_column("notice")
    with op.batch_alter_table("payments") as b:
        b.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        b.drop_column("refund_claimed_at")
        b.drop_column("payer_telegram_id")
        b.drop_column("refunded_outside_at")
        b.drop_column("source")
        b.drop_column("refund_round")
    op.drop_index("uq_transactions_idempotency_key", "transactions")
    op.drop_index("ix_transactions_payment_id", "transactions")
    with op.batch_alter_table("transactions") as b:
        b.drop_constraint("fk_transactions_payment_id_payments", type_="foreignkey")
        b.drop_column("idempotency_key")
        b.drop_column("payment_id")
