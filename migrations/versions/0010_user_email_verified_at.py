"""users.email_verified_at: self-registered accounts confirm their email

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 13:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    # Accounts made before verification existed keep working: their owners
    # signed up under the old rules and some have reviews and enquiries on
    # record. Only accounts registered from now on must confirm.
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
