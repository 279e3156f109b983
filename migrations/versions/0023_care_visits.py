"""care_agreements, engagement_ends, visit_records: agreed support per period, how an engagement ended, what each side said about a visit

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "care_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("price_basis", sa.String(length=20), nullable=False),
        sa.Column("rate_pence", sa.Integer(), nullable=False),
        sa.Column("funding", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], name=op.f("fk_care_agreements_answered_by_id_users")),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_care_agreements_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_care_agreements_proposed_by_id_users")),
        sa.ForeignKeyConstraint(
            ["service_type_id"], ["service_types.id"], name=op.f("fk_care_agreements_service_type_id_service_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_agreements")),
    )
    with op.batch_alter_table("care_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_agreements_engagement_id"), ["engagement_id"], unique=False)

    op.create_table(
        "engagement_ends",
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"], name=op.f("fk_engagement_ends_ended_by_id_users")),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_ends_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("engagement_id", name=op.f("pk_engagement_ends")),
    )
    op.create_table(
        "visit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("planned_start", sa.Time(), nullable=False),
        sa.Column("planned_end", sa.Time(), nullable=False),
        sa.Column("provider_says", sa.String(length=20), nullable=True),
        sa.Column("arrived", sa.Time(), nullable=True),
        sa.Column("departed", sa.Time(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("provider_note", sa.Text(), nullable=True),
        sa.Column("provider_by_id", sa.Integer(), nullable=True),
        sa.Column("provider_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_says", sa.String(length=20), nullable=True),
        sa.Column("recipient_note", sa.Text(), nullable=True),
        sa.Column("recipient_by_id", sa.Integer(), nullable=True),
        sa.Column("recipient_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_visit_records_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["provider_by_id"], ["users.id"], name=op.f("fk_visit_records_provider_by_id_users")),
        sa.ForeignKeyConstraint(["recipient_by_id"], ["users.id"], name=op.f("fk_visit_records_recipient_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_records")),
        sa.UniqueConstraint(
            "engagement_id", "visit_date", "planned_start", name=op.f("uq_visit_records_engagement_id")
        ),
    )
    with op.batch_alter_table("visit_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_records_engagement_id"), ["engagement_id"], unique=False)


def downgrade():
    with op.batch_alter_table("visit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_records_engagement_id"))

    op.drop_table("visit_records")
    op.drop_table("engagement_ends")
    with op.batch_alter_table("care_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_agreements_engagement_id"))

    op.drop_table("care_agreements")
