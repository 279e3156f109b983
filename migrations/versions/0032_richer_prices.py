"""providers: richer prices (per visit, minimum hours, travel, nights, weekend and bank-holiday uplifts)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

INTEGER_COLUMNS = (
    "visit_price_pence",
    "visit_minutes",
    "minimum_hours",
    "travel_pence",
    "sleeping_night_pence",
    "waking_night_pence",
    "weekend_uplift_percent",
    "bank_holiday_uplift_percent",
)


def upgrade():
    with op.batch_alter_table("providers") as batch:
        for name in INTEGER_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch.add_column(sa.Column("minimum_per", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("travel", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("travel")
        batch.drop_column("minimum_per")
        for name in reversed(INTEGER_COLUMNS):
            batch.drop_column(name)
