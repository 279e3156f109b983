"""concerns: the severity the reporter chose (an officer may change it), and an optional name and contact for a concern raised without an account

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-07 19:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        # Concerns raised before severities existed were never said to be urgent: "worried".
        batch_op.add_column(sa.Column("severity", sa.String(length=20), nullable=False, server_default="worried"))
        batch_op.add_column(sa.Column("reporter_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("reporter_contact", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_concerns_severity"), ["severity"], unique=False)


def downgrade():
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concerns_severity"))
        batch_op.drop_column("reporter_contact")
        batch_op.drop_column("reporter_name")
        batch_op.drop_column("severity")
