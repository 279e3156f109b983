"""A believable demo dataset: providers across the UK, recipients, staff.

Deterministic (a fixed random seed) and idempotent: accounts are keyed by
email, so a second run finds everything in place and adds nothing.
"""

from __future__ import annotations

import random
import re
from collections import Counter

from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.accounts.models import Role, User
from registry.checks.demo import seed_checks
from registry.extensions import db
from registry.models import today
from registry.providers import services as providers
from registry.providers.models import Provider
from registry.reviews.demo import seed_reviews
from registry.providers.vocabulary import DAYS, PARTS, ProfileStatus, ProviderKind, availability_mask
from search.geo import outcode_centroids

DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.trustedcare.example"
OFFICER_EMAIL = f"officer@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

# Postcode areas weighted roughly like where care is bought: cities first.
AREA_WEIGHTS = {
    "E": 6, "N": 4, "SE": 6, "SW": 6, "W": 3, "NW": 4, "EC": 1, "WC": 1,
    "M": 8, "B": 8, "LS": 6, "G": 6, "BS": 5, "L": 5, "S": 5, "NE": 4,
    "CF": 4, "EH": 4, "NG": 4, "LE": 4, "BT": 3, "CV": 3, "BD": 3, "HU": 2,
    "PL": 2, "NR": 2, "EX": 2, "YO": 2, "AB": 2, "IV": 1, "LL": 1, "SA": 2,
}
AREA_NAMES = {
    "E": "East London", "N": "North London", "SE": "South London", "SW": "Wandsworth", "W": "West London",
    "NW": "Camden", "EC": "City", "WC": "Holborn", "M": "Manchester", "B": "Birmingham", "LS": "Leeds",
    "G": "Glasgow", "BS": "Bristol", "L": "Liverpool", "S": "Sheffield", "NE": "Tyneside", "CF": "Cardiff",
    "EH": "Edinburgh", "NG": "Nottingham", "LE": "Leicester", "BT": "Belfast", "CV": "Coventry",
    "BD": "Bradford", "HU": "Hull", "PL": "Plymouth", "NR": "Norwich", "EX": "Exeter", "YO": "York",
    "AB": "Aberdeen", "IV": "Highland", "LL": "North Wales", "SA": "Swansea",
}
FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Daniel", "Eilidh", "Farah", "Grace", "Harpreet", "Imran", "Joanna",
    "Kwame", "Leah", "Marek", "Nadia", "Owen", "Priya", "Rhys", "Sadia", "Tomasz", "Una",
    "Victoria", "Wei", "Yusuf", "Zainab", "Aoife", "Bilal", "Ceri", "Deepa", "Ewa", "Femi",
]
LAST_NAMES = [
    "Ahmed", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
    "Kowalski", "Lewis", "Mensah", "Nowak", "O'Neill", "Patel", "Quinn", "Roberts", "Singh", "Taylor",
    "Usman", "Vaughan", "Williams", "Xu", "Young", "Zielinski", "Okafor", "Morgan", "Begum", "Murray",
]
ORG_PATTERNS = [
    "{place} Home Care", "{place} Community Support", "Sunrise Care {place}", "{place} Day Services",
    "Kindred Care {place}", "{place} Meals on Wheels", "Helping Hands {place}", "{place} Live-in Care",
    "Bridges Support {place}", "{place} Companions",
]
PA_ABOUTS = [
    "I have supported older people in their own homes for years and love helping people stay independent. "
    "Calm, patient and always on time.",
    "Former healthcare assistant offering personal care, companionship and help around the house. "
    "I drive and can take you to appointments.",
    "I work with adults with learning disabilities and autism, supporting days out, cooking and everyday routines.",
    "Experienced in dementia care; I keep routines familiar and involve families in planning support.",
]
ORG_ABOUTS = [
    "A local, family-run service. Our carers live in the community they support and we keep the same faces "
    "visiting each week.",
    "A community business providing hot meals, day activities and friendly visits, with staff who speak "
    "several community languages.",
    "Registered care agency offering personal care, respite and end-of-life support, day and night.",
]
LANGUAGE_POOL = ["pl", "ur", "pa", "bn", "gu", "hi", "ar", "so", "cy", "ro", "yue", "ta", "bsl", "makaton", "tr", "pt"]


def has_providers() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Provider)))


def _user(email: str, name: str, role: Role, password_hash: str) -> tuple[User, bool]:
    existing = accounts.find_user_by_email(email)
    if existing:
        return existing, False
    return accounts.create_user(email, DEMO_PASSWORD, name, role, password_hash=password_hash), True


def _weighted_outcodes(rng: random.Random) -> list[str]:
    by_area: dict[str, list[str]] = {}
    for outcode in outcode_centroids():
        area = re.match(r"[A-Z]+", outcode).group()
        by_area.setdefault(area, []).append(outcode)
    weighted = []
    for area, weight in AREA_WEIGHTS.items():
        weighted += by_area.get(area, []) * weight
    everywhere = sorted(outcode_centroids())
    weighted += everywhere  # a thin spread over the whole country too
    rng.shuffle(weighted)
    return weighted


def seed(provider_count: int = 300) -> list[str]:
    """Create the demo data; returns lines to print. Flushes, never commits."""
    rng = random.Random(2026)
    service_types = providers.all_service_types()
    outcodes = _weighted_outcodes(rng)
    created = 0
    states: Counter[str] = Counter()
    examples: dict[str, str] = {}  # one provider account per check state, to sign in as
    reviews = 0
    # One hash for every demo account: hashing 300 times would make seeding slow.
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    officer, _ = _user(OFFICER_EMAIL, "Olu Officer", Role.OFFICER, password_hash)
    _user(ADMIN_EMAIL, "Ada Admin", Role.ADMIN, password_hash)
    recipients = []
    for n in range(1, 6):
        recipient, _ = _user(f"recipient{n}@{DEMO_DOMAIN}", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", Role.RECIPIENT, password_hash)
        recipient.home_postcode = recipient.home_postcode or ["LS6 2AA", "M14 5TQ", "B12 9QD", "SE15 4QN", "CF24 3AA"][n - 1]
        recipients.append(recipient)
    for n in range(1, provider_count + 1):
        is_pa = rng.random() < 0.6
        outcode = rng.choice(outcodes)
        if is_pa:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        else:
            place = AREA_NAMES.get(re.match(r"[A-Z]+", outcode).group(), "Community")
            name = rng.choice(ORG_PATTERNS).format(place=place)
        email = f"provider{n:03d}@{DEMO_DOMAIN}"
        user, is_new = _user(email, name, Role.PROVIDER, password_hash)
        if not is_new:
            continue
        created += 1
        kind = ProviderKind.PA if is_pa else ProviderKind.ORGANISATION
        provider = providers.create_draft_profile(user, kind=kind, display_name=name)
        offered = rng.sample(service_types, k=rng.randint(1, 4))
        low = rng.choice([1500, 1650, 1800, 1950, 2100, 2250, 2400, 2600])
        slots = [f"{d}-{p}" for d in DAYS for p in PARTS if rng.random() < (0.55 if p != "overnight" else 0.15)]
        languages = ["en"] + rng.sample(LANGUAGE_POOL, k=rng.choice([0, 0, 0, 1, 1, 2]))
        providers.update_profile(
            provider,
            providers.ProfileData(
                display_name=name,
                about=rng.choice(PA_ABOUTS if is_pa else ORG_ABOUTS),
                services=[t.slug for t in offered],
                base_postcode=outcode,
                travel_radius_miles=rng.choice([3, 5, 5, 8, 10, 10, 15, 20, 25]),
                rate_min_pence=low,
                rate_max_pence=low + rng.choice([0, 200, 400, 600]),
                languages=languages,
                availability=availability_mask(slots) or availability_mask(["mon-morning"]),
                phone=f"0{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}",
                contact_email=email,
                gender=rng.choice(["female", "female", "male", None]) if is_pa else None,
                years_experience=rng.randint(1, 25) if is_pa else None,
                cqc_provider_id=f"1-{rng.randint(100000000, 999999999)}" if not is_pa and rng.random() < 0.5 else None,
                website=f"https://{providers.slugify(name)}.example" if not is_pa else None,
            ),
        )
        if rng.random() < 0.95:
            providers.submit_profile(provider)
        else:
            provider.status = ProfileStatus.DRAFT
        state = seed_checks(provider, officer, rng, today())
        states[state] += 1
        examples.setdefault(state, email)
        if state in ("listed", "lapsing"):
            reviews += seed_reviews(provider, recipients, rng)
    db.session.flush()
    return [
        f"Demo data: {created} new providers ({provider_count} in the demo set)"
        + (": " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + f"; {reviews} reviews." if created else "."),
        f"Officer: {OFFICER_EMAIL} / {DEMO_PASSWORD}",
        f"Admin:   {ADMIN_EMAIL} / {DEMO_PASSWORD}",
        f"Recipient: recipient1@{DEMO_DOMAIN} / {DEMO_PASSWORD}",
        f"Provider:  provider001@{DEMO_DOMAIN} / {DEMO_PASSWORD}",
        *(["Providers by check state: " + ", ".join(f"{state} {email.split('@')[0]}" for state, email in sorted(examples.items()) if state != "none")] if examples else []),
    ]
