"""Seed the service taxonomy and the checks each service requires.

The data is written out here, not imported from the app, so this migration
keeps meaning the same thing as the code moves on. Admins edit it afterwards.

Requirement codes: identity; dbs_basic; dbs_enhanced_adults (enhanced DBS
with the adults' barred list); dbs_enhanced_children; right_to_work;
public_liability_insurance; cqc_registration; food_hygiene; qualification.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ALL, PA, ORG = None, "pa", "organisation"
IN_HOME_ADULTS = [
    ("identity", ALL),
    ("dbs_enhanced_adults", ALL),
    ("right_to_work", PA),
    ("public_liability_insurance", PA),
]
REGULATED = IN_HOME_ADULTS + [("cqc_registration", ORG)]

SERVICES = [
    (
        "personal-care",
        "Personal care",
        "Help with washing, dressing, toileting and medication prompts in your own home.",
        REGULATED,
    ),
    (
        "help-at-home",
        "Help at home",
        "Everyday help around the house: tidying, laundry, letters and keeping things running.",
        IN_HOME_ADULTS,
    ),
    ("live-in-care", "Live-in care", "A carer who lives with you and supports you day and night.", REGULATED),
    ("respite", "Respite care", "Short breaks for family carers, at home or away.", REGULATED),
    (
        "companionship",
        "Companionship",
        "Regular visits, conversation, hobbies and getting out and about.",
        IN_HOME_ADULTS,
    ),
    (
        "dementia-support",
        "Dementia support",
        "Patient, familiar support for people living with dementia and their families.",
        REGULATED,
    ),
    (
        "learning-disability-support",
        "Learning disability support",
        "Support with daily living, work, learning and going out, at your pace.",
        REGULATED,
    ),
    (
        "mental-health-support",
        "Mental health support",
        "Practical and emotional support to stay well and independent.",
        IN_HOME_ADULTS,
    ),
    (
        "meal-preparation",
        "Meal preparation",
        "Cooking in your kitchen, to your tastes, diet and culture.",
        IN_HOME_ADULTS,
    ),
    (
        "meal-delivery",
        "Meal delivery",
        "Hot or chilled meals brought to your door, often with a friendly check-in.",
        [("identity", ALL), ("food_hygiene", ALL), ("public_liability_insurance", ALL)],
    ),
    (
        "shopping-and-errands",
        "Shopping and errands",
        "Shopping, collecting prescriptions and other errands.",
        IN_HOME_ADULTS,
    ),
    (
        "transport-and-escort",
        "Transport and escort",
        "Getting you to appointments, activities and visits, and back.",
        [("identity", ALL), ("dbs_enhanced_adults", ALL), ("public_liability_insurance", ALL), ("right_to_work", PA)],
    ),
    (
        "cleaning",
        "Cleaning",
        "Regular or one-off cleaning of your home.",
        [("identity", ALL), ("dbs_basic", ALL), ("public_liability_insurance", ALL), ("right_to_work", PA)],
    ),
    (
        "day-activities",
        "Day activities",
        "Clubs, groups and day services to learn, socialise and have fun.",
        [("identity", ALL), ("dbs_enhanced_adults", ALL), ("public_liability_insurance", ALL), ("right_to_work", PA)],
    ),
    (
        "arts-and-music",
        "Arts and music sessions",
        "Creative sessions: art, music, drama and dance, at home or in a group.",
        [("identity", ALL), ("dbs_enhanced_adults", ALL), ("public_liability_insurance", ALL), ("right_to_work", PA)],
    ),
    (
        "physiotherapy",
        "Physiotherapy",
        "Exercise and therapy from a registered physiotherapist to keep you moving.",
        [
            ("identity", ALL),
            ("dbs_enhanced_adults", ALL),
            ("qualification", ALL),
            ("public_liability_insurance", ALL),
            ("right_to_work", PA),
        ],
    ),
    (
        "nursing",
        "Nursing",
        "Care from a registered nurse: wound care, injections, catheter and stoma care.",
        REGULATED + [("qualification", ALL)],
    ),
    (
        "pet-care",
        "Pet care",
        "Dog walking, feeding and looking after your pets when you cannot.",
        [("identity", ALL), ("dbs_basic", ALL), ("public_liability_insurance", ALL)],
    ),
    (
        "support-for-children",
        "Support for children",
        "Support for disabled children and young people, at home and out.",
        [("identity", ALL), ("dbs_enhanced_children", ALL), ("right_to_work", PA), ("public_liability_insurance", PA)],
    ),
    (
        "end-of-life-care",
        "End-of-life care",
        "Gentle, skilled care and company at the end of life, for the person and family.",
        REGULATED,
    ),
]


def service_rows() -> list[dict]:
    return [
        {"id": n, "slug": slug, "name": name, "description": description, "position": n}
        for n, (slug, name, description, _) in enumerate(SERVICES, start=1)
    ]


def requirement_rows() -> list[dict]:
    return [
        {"service_type_id": n, "requirement": code, "provider_kind": kind}
        for n, (_, _, _, needs) in enumerate(SERVICES, start=1)
        for code, kind in needs
    ]


def upgrade():
    service_types = sa.table(
        "service_types",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.Text),
        sa.column("position", sa.Integer),
    )
    requirements = sa.table(
        "service_requirements",
        sa.column("service_type_id", sa.Integer),
        sa.column("requirement", sa.String),
        sa.column("provider_kind", sa.String),
    )
    op.bulk_insert(service_types, service_rows())
    op.bulk_insert(requirements, requirement_rows())
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above leave the sequence behind; move it past them.
        op.execute("SELECT setval(pg_get_serial_sequence('service_types', 'id'), (SELECT max(id) FROM service_types))")


def downgrade():
    op.execute("DELETE FROM service_requirements")
    op.execute("DELETE FROM service_types")
