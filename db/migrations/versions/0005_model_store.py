"""Model files in the database (content-addressed, so every process gets every model) and model
versions (replace and roll back); models.version_id names the version served; a prediction
names the version it was charged for, and when recovery re-ran it.

Models registered before this have no version: built-in ones get theirs at the next start (from
the files the bot trains), an uploaded pickle is never loaded again and must be uploaded anew
as a skops file.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_model_files"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], name="fk_model_versions_model_id_models"),
        sa.ForeignKeyConstraint(
            ["sha256"], ["model_files.sha256"], name="fk_model_versions_sha256_model_files"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
    )
    op.create_index(
        "uq_model_versions_model_id_number", "model_versions", ["model_id", "number"], unique=True
    )
    op.add_column("models", sa.Column("version_id", sa.Integer(), nullable=True))
    # the version a run was charged for (it runs that one), and when recovery re-ran it after a
    # stop (a run whose re-run never finished is not re-run again: it is failed and refunded)
    op.add_column("predictions", sa.Column("version_id", sa.Integer(), nullable=True))
    op.add_column("predictions", sa.Column("recovery_started_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("predictions") as b:
        b.drop_column("recovery_started_at")
        b.drop_column("version_id")
    with op.batch_alter_table("models") as b:
        b.drop_column("version_id")
    op.drop_index("uq_model_versions_model_id_number", "model_versions")
    op.drop_table("model_versions")
    op.drop_table("model_files")
