"""people an account arranges care for (with their consent or legal authority), enquiries made for them, reviews written on their behalf, and shortlists

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ONE_OPEN_ENQUIRY = "uq_enquiries_one_open"
IN_CONVERSATION = "status IN ('open', 'accepted')"


def upgrade():
    op.create_table(
        "cared_for_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("relationship", sa.String(length=20), nullable=False),
        sa.Column("communication", sa.JSON(), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("consent_given_by", sa.String(length=120), nullable=True),
        sa.Column("consent_how", sa.String(length=20), nullable=True),
        sa.Column("authority_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["users.id"], name=op.f("fk_cared_for_people_account_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cared_for_people")),
    )
    with op.batch_alter_table("cared_for_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cared_for_people_account_id"), ["account_id"], unique=False)

    op.create_table(
        "cared_for_needs",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["cared_for_people.id"],
            name=op.f("fk_cared_for_needs_person_id_cared_for_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_types.id"],
            name=op.f("fk_cared_for_needs_service_type_id_service_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "service_type_id", name=op.f("pk_cared_for_needs")),
    )
    op.create_table(
        "shortlist_entries",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["users.id"], name=op.f("fk_shortlist_entries_account_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_shortlist_entries_provider_id_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "provider_id", name=op.f("pk_shortlist_entries")),
    )
    # Dropped first and made again after: SQLite's batch copy would rebuild it without its WHERE.
    op.drop_index(ONE_OPEN_ENQUIRY, table_name="enquiries")
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("arranged_by", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_enquiries_person_id"), ["person_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_enquiries_person_id_cared_for_people"),
            "cared_for_people",
            ["person_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _one_open_enquiry()
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_by", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("written_by")
    op.drop_index(ONE_OPEN_ENQUIRY, table_name="enquiries")
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_enquiries_person_id_cared_for_people"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_enquiries_person_id"))
        batch_op.drop_column("arranged_by")
        batch_op.drop_column("person_id")
    _one_open_enquiry()
    op.drop_table("shortlist_entries")
    op.drop_table("cared_for_needs")
    with op.batch_alter_table("cared_for_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cared_for_people_account_id"))
    op.drop_table("cared_for_people")


def _one_open_enquiry():
    op.create_index(
        ONE_OPEN_ENQUIRY,
        "enquiries",
        ["recipient_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text(IN_CONVERSATION),
        postgresql_where=sa.text(IN_CONVERSATION),
    )
