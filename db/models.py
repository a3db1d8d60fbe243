"""ORM classes for the seed schema (../shared/seed-schema.md) plus the columns the app adds.

Seed columns keep their names and types. Additions: users.telegram_id (BIGINT: Telegram ids do
not fit 32 bits), users.language, models.is_active, predictions.request_key (idempotency of
paid runs) and transactions.kind (what a ledger row is for; with prediction_id it is unique, so a
prediction can be charged once and refunded once at the very most).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

WELCOME_BALANCE_DEFAULT = 10.0

# Stable constraint names, so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC timestamp: the seed's DATETIME has no zone, and all times are UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PredictionStatus:
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class TxKind:
    WELCOME = "welcome"
    CHARGE = "charge"
    REFUND = "refund"
    ADMIN_CREDIT = "admin_credit"
    ADMIN_DEBIT = "admin_debit"
    TOPUP = "topup"
    TOPUP_REFUND = "topup_refund"  # credits taken back when Stars are refunded
    TOPUP_REFUND_REVERTED = "topup_refund_reverted"  # ...and given back if the refund failed
    PROMO = "promo"  # a promo code redeemed (once per user)
    OTHER = "other"


class OrderStatus:
    NEW = "new"
    PAID = "paid"


class PaymentStatus:
    CREDITED = "credited"
    REFUND_PENDING = "refund_pending"  # Stars to return (an admin refund, or a double payment)
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    balance: Mapped[float] = mapped_column(Float, default=WELCOME_BALANCE_DEFAULT, server_default="10.0")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # When Telegram refused a message to them (403: blocked the bot, account deleted); cleared when
    # they write again. Broadcasts skip them meanwhile.
    unreachable_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # /settings: low-balance nudges and news (broadcasts); a chart with each result
    notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    pictures: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Model(Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, index=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    cost: Mapped[float] = mapped_column(Float)
    file_path: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The version every process serves (model_versions.id); None: none stored yet (a model
    # uploaded as a pickle before versions were kept: an admin uploads it again).
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ModelFile(Base):
    """A model file's bytes, content-addressed: every process of a deployment loads from here."""

    __tablename__ = "model_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModelVersion(Base):
    """One version of a model: its file and its metadata (ml.schema.ModelMeta as JSON). Versions
    are never changed or deleted, so a model can be rolled back to any of them."""

    __tablename__ = "model_versions"
    __table_args__ = (Index("uq_model_versions_model_id_number", "model_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per model
    sha256: Mapped[str] = mapped_column(ForeignKey("model_files.sha256"))
    meta: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)  # "built-in", an admin


class Prediction(Base):
    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_user_id_created_at", "user_id", "created_at"),
        Index("uq_predictions_request_key", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    input_data: Mapped[Any] = mapped_column(JSON)
    result: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(
        String(255),
        default=PredictionStatus.PENDING,
        server_default=PredictionStatus.PENDING,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    request_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # 'due' when recovery settled this run after a stop and its user is yet to be told; 'sent'
    # once one process claimed it for the user's summary (a guarded UPDATE: told once).
    notice: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    # the model version charged for (the one that runs, and that recovery re-runs)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # when recovery started re-running it after a stop: a re-run that never finished (the model
    # crashed the process) is not tried again but failed and refunded
    recovery_started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # the CSV batch this row belongs to (shown as one item in Balance and History)
    batch_key: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        Index("uq_transactions_prediction_id_kind", "prediction_id", "kind", unique=True),
        Index("ix_transactions_user_id_created_at", "user_id", "created_at"),
        Index("uq_transactions_idempotency_key", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    prediction_id: Mapped[int | None] = mapped_column(ForeignKey("predictions.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32), default=TxKind.OTHER, server_default="other")
    # A Stars payment's ledger rows (its top-up, credits taken back and restored by refunds).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), nullable=True, index=True)
    # Unique when set: an operation that must happen at most once (e.g. "pay:12:restore:2").
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What a line is rendered from in the user's language, besides its kind and links (e.g. a
    # promo code); `description` keeps the seed schema's English text.
    params: Mapped[Any | None] = mapped_column(JSON, nullable=True)


class Order(Base):
    """A top-up invoice: `stars` Telegram Stars for `credits` credits. Paid at most once."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    credits: Mapped[float] = mapped_column(Float)
    payload: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.NEW, server_default=OrderStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Payment(Base):
    """A Stars payment as Telegram reported it, keyed by its charge id (so it counts once)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True, index=True)
    # None: the payment matched no account (recorded so that it counts once; its Stars go back)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, nullable=True)
    telegram_payment_charge_id: Mapped[str] = mapped_column(String(255), unique=True)
    stars: Mapped[int] = mapped_column(Integer)
    credits: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # credited by it
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    refund_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refund_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # How many times a refund took the credits back (each round restores them at most once).
    refund_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 'update' (the successful_payment message) or 'reconcile' (found in getStarTransactions)
    source: Mapped[str] = mapped_column(String(16), default="update", server_default="update")
    # Telegram lists a refund of this charge that the bot did not make
    refunded_outside_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # who paid: a refund goes back to them, whichever Telegram account the user has linked since
    payer_telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # when a process took the current refund attempt: one attempt at a time (see claim_refund)
    refund_claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LoginThrottle(Base):
    """Failed /login attempts per key (an email's hash, or a Telegram account), with back-off."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PromoCode(Base):
    """Credits an admin hands out with a code (`/start promo_<code>` or /promo <code>): each user
    redeems a code at most once, through the ledger."""

    __tablename__ = "promo_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    credits: Mapped[float] = mapped_column(Float)
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: no limit
    uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PromoRedemption(Base):
    __tablename__ = "promo_redemptions"
    __table_args__ = (Index("uq_promo_redemptions_promo_user", "promo_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    promo_id: Mapped[int] = mapped_column(ForeignKey("promo_codes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
