"""call_offs: orders from a council's approved list at the agreed rate

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("enquiry_id", sa.Integer(), nullable=True),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("rate_pence", sa.Integer(), nullable=False),
        sa.Column("funding", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["framework_entries.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["council_id"], ["councils.id"]),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_type_id"], ["service_types.id"]),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["cared_for_people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["enquiry_id"], ["enquiries.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("call_offs") as batch:
        batch.create_index("ix_call_offs_entry_id", ["entry_id"])
        batch.create_index("ix_call_offs_council_id", ["council_id"])
        batch.create_index("ix_call_offs_provider_id", ["provider_id"])
        batch.create_index("ix_call_offs_recipient_id", ["recipient_id"])
        batch.create_index("ix_call_offs_enquiry_id", ["enquiry_id"])


def downgrade():
    op.drop_table("call_offs")
