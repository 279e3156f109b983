"""shortlists per person cared for: a shortlist entry may be for one of the account's people (issue 26)

Existing entries stay, as the account's unsorted ones. The table gets its own
id, since the same provider may now be on several people's lists.

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-07 21:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0028"
branch_labels = None
depends_on = None

OLD = "shortlist_entries_0029"


def _rename_old() -> None:
    op.rename_table("shortlist_entries", OLD)
    if op.get_bind().dialect.name == "postgresql":
        # The primary key's index is named in the schema, where the new table's would clash with it.
        op.execute(f"ALTER INDEX pk_shortlist_entries RENAME TO pk_{OLD}")


def upgrade():
    _rename_old()
    op.create_table(
        "shortlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["cared_for_people.id"],
            name=op.f("fk_shortlist_entries_person_id_cared_for_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_entries")),
    )
    op.execute(
        f"INSERT INTO shortlist_entries (account_id, provider_id, person_id, created_at) "
        f"SELECT account_id, provider_id, NULL, created_at FROM {OLD} ORDER BY created_at"
    )
    op.drop_table(OLD)
    with op.batch_alter_table("shortlist_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shortlist_entries_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shortlist_entries_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shortlist_entries_person_id"), ["person_id"], unique=False)
    op.create_index(
        "uq_shortlist_entries_for_person",
        "shortlist_entries",
        ["account_id", "provider_id", "person_id"],
        unique=True,
        sqlite_where=sa.text("person_id IS NOT NULL"),
        postgresql_where=sa.text("person_id IS NOT NULL"),
    )
    op.create_index(
        "uq_shortlist_entries_unsorted",
        "shortlist_entries",
        ["account_id", "provider_id"],
        unique=True,
        sqlite_where=sa.text("person_id IS NULL"),
        postgresql_where=sa.text("person_id IS NULL"),
    )


def downgrade():
    # One entry per provider again: each provider's earliest, whoever it was for.
    _rename_old()
    op.drop_index("uq_shortlist_entries_unsorted", table_name=OLD)
    op.drop_index("uq_shortlist_entries_for_person", table_name=OLD)
    op.drop_index("ix_shortlist_entries_person_id", table_name=OLD)
    op.drop_index("ix_shortlist_entries_provider_id", table_name=OLD)
    op.drop_index("ix_shortlist_entries_account_id", table_name=OLD)
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
    op.execute(
        f"INSERT INTO shortlist_entries (account_id, provider_id, created_at) "
        f"SELECT account_id, provider_id, MIN(created_at) FROM {OLD} GROUP BY account_id, provider_id"
    )
    op.drop_table(OLD)
