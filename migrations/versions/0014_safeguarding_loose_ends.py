"""suspensions (who suspended, the one appeal), concerns.closed_outcome, checks' revocation

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("suspended_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("appeal_reasons", sa.Text(), nullable=True),
        sa.Column("appealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_status", sa.String(length=20), nullable=True),
        sa.Column("appeal_decided_by_id", sa.Integer(), nullable=True),
        sa.Column("appeal_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appeal_decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_decided_by_id"], ["users.id"], name=op.f("fk_suspensions_appeal_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"], name=op.f("fk_suspensions_ended_by_id_users")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_suspensions_provider_id_providers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["suspended_by_id"], ["users.id"], name=op.f("fk_suspensions_suspended_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
    )
    with op.batch_alter_table("suspensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suspensions_appeal_status"), ["appeal_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_suspensions_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(
            "uq_suspensions_one_open",
            ["provider_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
    # Suspensions in force today get their record; who suspended is in the
    # audit log, not here, so any officer may decide their appeal.
    op.execute(
        "INSERT INTO suspensions (provider_id, reason, started_at) "
        "SELECT id, COALESCE(suspension_reason, ''), suspended_at FROM providers WHERE suspended_at IS NOT NULL"
    )

    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_outcome", sa.String(length=30), nullable=True))

    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_checks_revoked_by_id_users"), "users", ["revoked_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_checks_revoked_by_id_users"), type_="foreignkey")
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_column("closed_outcome")
    with op.batch_alter_table("suspensions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_suspensions_one_open",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_suspensions_provider_id"))
        batch_op.drop_index(batch_op.f("ix_suspensions_appeal_status"))
    op.drop_table("suspensions")
