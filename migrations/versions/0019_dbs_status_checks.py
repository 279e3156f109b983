"""DBS Update Service status checks: consents, and each check's status-check state

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-08 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_checked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_check_issue", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("no_match_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("certificate_assessed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("certificate_assessed_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_checks_status_check_issue"), ["status_check_issue"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_checks_status_checked_by_id_users"), "users", ["status_checked_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_checks_certificate_assessed_by_id_users"), "users", ["certificate_assessed_by_id"], ["id"]
        )
    op.create_table(
        "dbs_status_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_by_id", sa.Integer(), nullable=True),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("surname", sa.String(length=60), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_dbs_status_consents_check_id_checks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["given_by_id"], ["users.id"], name=op.f("fk_dbs_status_consents_given_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dbs_status_consents")),
        sa.UniqueConstraint("check_id", name=op.f("uq_dbs_status_consents_check_id")),
    )
    with op.batch_alter_table("dbs_status_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dbs_status_consents_next_due_at"), ["next_due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("dbs_status_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dbs_status_consents_next_due_at"))
    op.drop_table("dbs_status_consents")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_checks_certificate_assessed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_checks_status_checked_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_checks_status_check_issue"))
        batch_op.drop_column("certificate_assessed_by_id")
        batch_op.drop_column("certificate_assessed_at")
        batch_op.drop_column("no_match_since")
        batch_op.drop_column("status_check_issue")
        batch_op.drop_column("status_checked_by_id")
        batch_op.drop_column("status_checked_at")
