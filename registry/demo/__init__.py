"""A believable demo dataset: providers across the UK, recipients, staff.

A newcomer who types a big city's postcode should find a full page, as they
would in real life: each of a dozen major cities gets a core of providers in
its central districts, enough that every common service has at least
:data:`CITY_TARGET` listed providers within 10 miles, and the rest of the
demo set spreads over the country weighted towards where care is bought.
Services come in the bundles real providers offer (a home-care agency does
personal care, help at home, companionship and usually dementia support; a
PA does help at home and companionship, often personal care and cooking), so
demand-heavy services are common and specialist ones rare. Rates follow the
market: PAs around £13-18 an hour, agencies around £25-32.

Deterministic (a fixed random seed; the whole plan is drawn before anything
is written) and idempotent: accounts are keyed by email, so a second run
finds everything in place and adds nothing. Listed providers are listed by
the real rule (``recompute_listing``) from approved checks, never by hand.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from registry.accounts import services as accounts
from registry.accounts.models import Role, User
from registry.demo.checks import seed_checks
from registry.demo.families import seed_family
from registry.demo.reviews import seed_reviews
from registry.demo.visits import seed_visit_history
from registry.extensions import db
from registry.models import today
from registry.nations import Nation, nation_of
from registry.providers import services as providers
from registry.providers.models import Provider
from registry.providers.vocabulary import DAYS, PARTS, ProfileStatus, ProviderKind, availability_mask
from registry.safeguarding import services as safeguarding
from searchindex.geo import distance_miles, outcode_centroids

DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.trustedcare.example"
OFFICER_EMAIL = f"officer@{DEMO_DOMAIN}"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
FAMILY_EMAIL = f"family@{DEMO_DOMAIN}"
COMMISSIONER_EMAIL = f"commissioner@{DEMO_DOMAIN}"
# The demo staff accounts' authenticator key, printed with their sign-in details
# so a reviewer can sign in (add it to an authenticator app, or see the README).
# Published, so demo data only: the seed refuses to run in production.
DEMO_TOTP_SECRET = "DEMOSTAFFTOTPKEYTRUSTEDCAREREGIS"

# (city, the district at its heart); Leeds is centred on the home page's example postcode, LS6 2AA.
CITIES = [
    ("London", "WC2N"),
    ("Birmingham", "B1"),
    ("Manchester", "M1"),
    ("Leeds", "LS6"),
    ("Glasgow", "G1"),
    ("Liverpool", "L1"),
    ("Bristol", "BS1"),
    ("Sheffield", "S1"),
    ("Edinburgh", "EH1"),
    ("Cardiff", "CF10"),
    ("Newcastle", "NE1"),
    ("Nottingham", "NG1"),
]
# The services a newcomer most often looks for; each city has at least CITY_TARGET listed providers for each.
COMMON_SERVICES = ["personal-care", "help-at-home", "companionship", "dementia-support", "meal-preparation"]
CITY_TARGET = 18  # a little over the 15 promised, so one provider lapsing in a demo does not empty the page
CITY_CORE = 38  # providers drawn per city before topping up the common services
CORE_MILES = 4.0  # core providers live this close to the city's heart and travel at least 5 miles
SPREAD = 250  # providers elsewhere, weighted by AREA_WEIGHTS
LISTED_STATES = ("listed", "lapsing")  # lapsing checks are still current today
# City cores are mostly listed, but every queue still gets examples of each state.
CORE_STATES = [
    ("listed", 0.8),
    ("lapsing", 0.05),
    ("waiting", 0.05),
    ("rejected", 0.03),
    ("lapsed", 0.03),
    ("suspended", 0.02),
]
SPREAD_STATES = [
    ("listed", 0.62),
    ("waiting", 0.1),
    ("rejected", 0.06),
    ("lapsing", 0.06),
    ("lapsed", 0.04),
    ("suspended", 0.04),
]


@dataclass(frozen=True)
class Archetype:
    """A kind of provider as found in real life: what it offers and what it charges (pence an hour)."""

    name: str
    kind: str
    weight: int
    always: tuple[str, ...]
    sometimes: tuple[tuple[str, float], ...]
    rate: tuple[int, int]  # the range the lower rate is drawn from
    about: tuple[str, ...] = ()


ARCHETYPES = [
    Archetype(
        "home care agency",
        ProviderKind.ORGANISATION,
        30,
        ("personal-care", "help-at-home", "companionship"),
        (
            ("dementia-support", 0.8),
            ("meal-preparation", 0.7),
            ("respite", 0.5),
            ("shopping-and-errands", 0.4),
            ("live-in-care", 0.25),
            ("end-of-life-care", 0.3),
        ),
        (2500, 2900),
    ),
    Archetype(
        "personal assistant",
        ProviderKind.PA,
        40,
        ("help-at-home", "companionship"),
        (
            ("personal-care", 0.75),
            ("meal-preparation", 0.7),
            ("shopping-and-errands", 0.6),
            ("dementia-support", 0.5),
            ("transport-and-escort", 0.2),
            ("respite", 0.15),
        ),
        (1300, 1650),
    ),
    Archetype(
        "specialist personal assistant",
        ProviderKind.PA,
        10,
        (),
        (
            ("learning-disability-support", 0.6),
            ("mental-health-support", 0.5),
            ("companionship", 0.6),
            ("day-activities", 0.3),
            ("arts-and-music", 0.15),
        ),
        (1400, 1700),
    ),
    Archetype(
        "community meals",
        ProviderKind.ORGANISATION,
        6,
        ("meal-delivery",),
        (("day-activities", 0.5), ("companionship", 0.4)),
        (900, 1400),
    ),
    Archetype("clinician", ProviderKind.PA, 4, (), (("nursing", 0.6), ("physiotherapy", 0.5)), (3000, 4200)),
    Archetype(
        "home help", ProviderKind.PA, 5, ("cleaning",), (("shopping-and-errands", 0.6), ("pet-care", 0.4)), (1300, 1500)
    ),
    Archetype(
        "children's support", ProviderKind.PA, 3, ("support-for-children",), (("arts-and-music", 0.2),), (1500, 1800)
    ),
    Archetype(
        "live-in care agency",
        ProviderKind.ORGANISATION,
        3,
        ("live-in-care", "personal-care"),
        (("dementia-support", 0.8), ("end-of-life-care", 0.5), ("companionship", 0.5)),
        (2600, 3200),
    ),
]
AGENCY = ARCHETYPES[0]

# Postcode areas weighted roughly like where care is bought: cities first.
AREA_WEIGHTS = {
    "E": 6,
    "N": 4,
    "SE": 6,
    "SW": 6,
    "W": 3,
    "NW": 4,
    "EC": 1,
    "WC": 1,
    "M": 8,
    "B": 8,
    "LS": 6,
    "G": 6,
    "BS": 5,
    "L": 5,
    "S": 5,
    "NE": 4,
    "CF": 4,
    "EH": 4,
    "NG": 4,
    "LE": 4,
    "BT": 8,  # Belfast and Northern Ireland: AccessNI and RQIA
    "CV": 3,
    "BD": 3,
    "HU": 2,
    "PL": 2,
    "NR": 2,
    "EX": 2,
    "YO": 2,
    "AB": 2,
    "IV": 1,
    "LL": 1,
    "SA": 2,
}
AREA_NAMES = {
    "E": "East London",
    "N": "North London",
    "SE": "South London",
    "SW": "Wandsworth",
    "W": "West London",
    "NW": "Camden",
    "EC": "City",
    "WC": "Holborn",
    "M": "Manchester",
    "B": "Birmingham",
    "LS": "Leeds",
    "G": "Glasgow",
    "BS": "Bristol",
    "L": "Liverpool",
    "S": "Sheffield",
    "NE": "Tyneside",
    "CF": "Cardiff",
    "EH": "Edinburgh",
    "NG": "Nottingham",
    "LE": "Leicester",
    "BT": "Belfast",
    "CV": "Coventry",
    "BD": "Bradford",
    "HU": "Hull",
    "PL": "Plymouth",
    "NR": "Norwich",
    "EX": "Exeter",
    "YO": "York",
    "AB": "Aberdeen",
    "IV": "Highland",
    "LL": "North Wales",
    "SA": "Swansea",
}
FIRST_NAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Daniel",
    "Eilidh",
    "Farah",
    "Grace",
    "Harpreet",
    "Imran",
    "Joanna",
    "Kwame",
    "Leah",
    "Marek",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Sadia",
    "Tomasz",
    "Una",
    "Victoria",
    "Wei",
    "Yusuf",
    "Zainab",
    "Aoife",
    "Bilal",
    "Ceri",
    "Deepa",
    "Ewa",
    "Femi",
]
LAST_NAMES = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Neill",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Williams",
    "Xu",
    "Young",
    "Zielinski",
    "Okafor",
    "Morgan",
    "Begum",
    "Murray",
]
ORG_PATTERNS = [
    "{place} Home Care",
    "{place} Community Support",
    "Sunrise Care {place}",
    "{place} Day Services",
    "Kindred Care {place}",
    "{place} Meals on Wheels",
    "Helping Hands {place}",
    "{place} Live-in Care",
    "Bridges Support {place}",
    "{place} Companions",
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
# Languages the places would have: about a third of Cardiff's providers speak Welsh, and a fair share of those in the
# cities with large Punjabi- and Urdu-speaking communities speak one or both (place: [(code, share)]).
LOCAL_LANGUAGES = {
    "Cardiff": [("cy", 0.35)],
    "Birmingham": [("pa", 0.2), ("ur", 0.2)],
    "Bradford": [("pa", 0.25), ("ur", 0.3)],
    "Leeds": [("pa", 0.15), ("ur", 0.15)],
    "Manchester": [("pa", 0.12), ("ur", 0.15)],
}
EASY_READ_SHARE = 0.12  # providers who give their information in Easy Read


def _local_languages(number: int, place: str, languages: list[str]) -> list[str]:
    """``languages`` with the place's own languages and Easy Read added by a draw of this provider's own, so the
    main draw (and so every other demo fact) is the same as before these were added."""
    rng = random.Random(f"languages-{number}")
    wanted = [code for code, share in LOCAL_LANGUAGES.get(place, []) if rng.random() < share]
    if rng.random() < EASY_READ_SHARE:
        wanted.append("easy-read")
    return languages + [code for code in wanted if code not in languages]


@dataclass
class ProviderPlan:
    """One demo provider, drawn in full before anything is written (so a rerun draws the same)."""

    number: int
    kind: str
    name: str
    outcode: str
    services: list[str]
    radius: int
    rate_min: int
    rate_max: int
    state: str
    about: str
    languages: list[str]
    slots: list[str]
    gender: str | None
    years: int | None
    cqc: str | None
    phone: str
    city: str | None = None
    extras: dict = field(default_factory=dict)

    @property
    def email(self) -> str:
        return f"provider{self.number:03d}@{DEMO_DOMAIN}"


def demo_prices(p: ProviderPlan) -> dict:
    """Prices beyond the hourly range, as such providers charge: home care by the visit (a half-hour call,
    often an hour's minimum), waking and sleeping nights from some, travel from personal assistants, more at
    weekends and on bank holidays from some. Drawn from a generator of the provider's own, so the rest of the
    demo draws the same as without them."""
    rng = random.Random(f"prices-{p.number}")
    prices: dict = {}
    if "personal-care" in p.services and p.kind != ProviderKind.PA:
        prices["visit_price_pence"] = int(round(p.rate_min * 0.6 / 50)) * 50  # a 30-minute call costs more per hour
        prices["visit_minutes"] = 30
        if rng.random() < 0.5:
            prices["minimum_hours"], prices["minimum_per"] = 1, "visit"
        if rng.random() < 0.4:
            prices["waking_night_pence"] = rng.randrange(14000, 19001, 500)
        if rng.random() < 0.3:
            prices["sleeping_night_pence"] = rng.randrange(8000, 11001, 500)
    if p.kind == ProviderKind.PA:
        prices["travel"] = rng.choice(["per-mile", "per-mile", "included", "none"])
        if prices["travel"] == "per-mile":
            prices["travel_pence"] = 45
        if rng.random() < 0.3:
            prices["minimum_hours"], prices["minimum_per"] = rng.choice([2, 3]), "visit"
        if rng.random() < 0.15:
            prices["waking_night_pence"] = rng.randrange(12000, 16001, 500)
    if rng.random() < 0.4:
        prices["weekend_uplift_percent"] = rng.choice([10, 15, 20, 25])
    if rng.random() < 0.5:
        prices["bank_holiday_uplift_percent"] = rng.choice([25, 50, 100])
    return prices


def has_providers() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Provider)))


def _user(email: str, name: str, role: Role, password_hash: str) -> tuple[User, bool]:
    existing = accounts.find_user_by_email(email)
    if existing:
        return existing, False
    return accounts.create_user(email, DEMO_PASSWORD, name, role, password_hash=password_hash), True


def _demo_second_factor(email: str) -> None:
    """Give a demo staff account the published demo authenticator key, unless it has a factor already."""
    from registry.accounts.models import TotpFactor
    from registry.accounts.second_factor import has_second_factor

    user = accounts.find_user_by_email(email)
    if user is not None and user.needs_second_factor and not has_second_factor(user):
        db.session.add(TotpFactor(user_id=user.id, secret=DEMO_TOTP_SECRET))
        db.session.flush()


def _area(outcode: str) -> str:
    return re.match(r"[A-Z]+", outcode).group()


def _weighted_outcodes(rng: random.Random) -> list[str]:
    by_area: dict[str, list[str]] = {}
    for outcode in outcode_centroids():
        by_area.setdefault(_area(outcode), []).append(outcode)
    weighted = []
    for area, weight in AREA_WEIGHTS.items():
        weighted += by_area.get(area, []) * weight
    # Not the Crown Dependencies (JE, GY, IM): no UK nation's checks apply there (registry/nations.py).
    everywhere = sorted(o for o in outcode_centroids() if nation_of(o) is not None)
    weighted += everywhere  # a thin spread over the whole country too
    rng.shuffle(weighted)
    return weighted


def core_outcodes(centre: str, miles: float = CORE_MILES) -> list[str]:
    """The districts whose centres lie within ``miles`` of ``centre``'s (the city's heart)."""
    centroids = outcode_centroids()
    lat, lon = centroids[centre]
    return sorted(o for o, (la, lo) in centroids.items() if distance_miles(lat, lon, la, lo) <= miles)


def _pick(states: list[tuple[str, float]], rng: random.Random) -> str:
    roll = rng.random()
    for name, share in states:
        if roll < share:
            return name
        roll -= share
    return "none"  # submitted with no checks yet (or a draft)


def _draw(
    rng: random.Random, number: int, archetype: Archetype, outcode: str, state: str, place: str, radius: int
) -> ProviderPlan:
    is_pa = archetype.kind == ProviderKind.PA
    services = list(archetype.always) + [slug for slug, chance in archetype.sometimes if rng.random() < chance]
    if not services:
        services = [archetype.sometimes[0][0]]
    name = (
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if is_pa else rng.choice(ORG_PATTERNS).format(place=place)
    )
    low = rng.randrange(archetype.rate[0], archetype.rate[1] + 1, 50)
    return ProviderPlan(
        number=number,
        kind=archetype.kind,
        name=name,
        outcode=outcode,
        services=services,
        radius=radius,
        rate_min=low,
        rate_max=low + rng.choice([0, 100, 200, 300]),
        state=state,
        about=rng.choice(PA_ABOUTS if is_pa else ORG_ABOUTS),
        languages=_local_languages(number, place, ["en"] + rng.sample(LANGUAGE_POOL, k=rng.choice([0, 0, 0, 1, 1, 2]))),
        slots=[f"{d}-{p}" for d in DAYS for p in PARTS if rng.random() < (0.55 if p != "overnight" else 0.15)],
        gender=rng.choice(["female", "female", "male", None]) if is_pa else None,
        years=rng.randint(1, 25) if is_pa else None,
        cqc=f"1-{rng.randint(100000000, 999999999)}" if not is_pa and rng.random() < 0.5 else None,
        phone=f"0{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}",
    )


def plan(cities: int = len(CITIES), spread: int = SPREAD) -> list[ProviderPlan]:
    """Every demo provider, drawn from a fixed seed: the first ``cities`` city cores, then ``spread`` elsewhere."""
    rng = random.Random(2026)
    weights = [a.weight for a in ARCHETYPES]
    plans: list[ProviderPlan] = []
    for city, centre in CITIES[:cities]:
        core = core_outcodes(centre)
        listed: Counter[str] = Counter()
        drawn = 0
        # Draw the city's mix, then top up with agencies (which offer every common
        # service) until each common service has its target of listed providers.
        while drawn < CITY_CORE or any(listed[s] < CITY_TARGET for s in COMMON_SERVICES):
            archetype = rng.choices(ARCHETYPES, weights)[0] if drawn < CITY_CORE else AGENCY
            state = _pick(CORE_STATES, rng) if drawn < CITY_CORE else "listed"
            p = _draw(rng, len(plans) + 1, archetype, rng.choice(core), state, city, rng.choice([5, 8, 10, 10, 15, 20]))
            if drawn >= CITY_CORE:
                p.services = sorted(set(p.services) | set(COMMON_SERVICES))
            p.city = city
            plans.append(p)
            drawn += 1
            if state in LISTED_STATES:
                listed.update(p.services)
    outcodes = _weighted_outcodes(rng)
    for _ in range(spread):
        outcode = rng.choice(outcodes)
        archetype = rng.choices(ARCHETYPES, weights)[0]
        plans.append(
            _draw(
                rng,
                len(plans) + 1,
                archetype,
                outcode,
                _pick(SPREAD_STATES, rng),
                AREA_NAMES.get(_area(outcode), "Community"),
                rng.choice([3, 5, 5, 8, 10, 10, 15, 20, 25]),
            )
        )
    return plans


def seed(plans: list[ProviderPlan] | None = None, progress: Callable[[int], None] | None = None) -> list[str]:
    """Create the demo data; returns lines to print. Flushes, never commits.

    ``plans`` defaults to the full :func:`plan`; ``progress`` is called with 1
    after each provider (the CLI's progress bar).
    """
    plans = plan() if plans is None else plans
    rng = random.Random(2026)
    service_types = {t.slug: t for t in providers.all_service_types()}
    created = 0
    states: Counter[str] = Counter()
    examples: dict[str, str] = {}  # one provider account per check state, to sign in as
    reviews = visits = 0
    # One hash for every demo account: hashing hundreds of times would make seeding slow.
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    officer, _ = _user(OFFICER_EMAIL, "Olu Officer", Role.OFFICER, password_hash)
    _user(ADMIN_EMAIL, "Ada Admin", Role.ADMIN, password_hash)
    recipients = []
    # A person reviews a provider once: enough recipients for the most-reviewed
    # demo provider (12) plus the held example's author.
    for n in range(1, 14):
        recipient, _ = _user(
            f"recipient{n}@{DEMO_DOMAIN}",
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            Role.RECIPIENT,
            password_hash,
        )
        recipient.home_postcode = (
            recipient.home_postcode or ["LS6 2AA", "M14 5TQ", "B12 9QD", "SE15 4QN", "CF24 3AA"][(n - 1) % 5]
        )
        recipients.append(recipient)
    for p in plans:
        if progress:
            progress(1)
        user, is_new = _user(p.email, p.name, Role.PROVIDER, password_hash)
        if not is_new:
            continue
        created += 1
        # Each provider's own generator: what it gets does not depend on who came before it.
        own = random.Random(p.number)
        provider = providers.create_draft_profile(user, kind=p.kind, display_name=p.name)
        providers.update_profile(
            provider,
            providers.ProfileData(
                display_name=p.name,
                about=p.about,
                services=[s for s in p.services if s in service_types],
                base_postcode=p.outcode,
                travel_radius_miles=p.radius,
                rate_min_pence=p.rate_min,
                rate_max_pence=p.rate_max,
                **demo_prices(p),
                languages=p.languages,
                availability=availability_mask(p.slots) or availability_mask(["mon-morning"]),
                phone=p.phone,
                contact_email=p.email,
                gender=p.gender,
                years_experience=p.years,
                cqc_provider_id=p.cqc if nation_of(p.outcode) == Nation.ENGLAND else None,  # the CQC is England's
                website=f"https://{providers.slugify(p.name)}.example" if p.kind != ProviderKind.PA else None,
            ),
        )
        if p.state == "none" and own.random() < 0.3:
            provider.status = ProfileStatus.DRAFT  # some never finished their profile
        else:
            providers.submit_profile(provider)
        state = seed_checks(provider, officer, own, today(), state=p.state)
        if state == "suspended":
            safeguarding.suspend(provider, officer, "A concern was reported and is being investigated.", today=today())
        states[state] += 1
        examples.setdefault(state, p.email)
        if state in LISTED_STATES:
            reviews += seed_reviews(provider, recipients, own)
            offered = [service_types[s] for s in p.services if s in service_types]
            if offered:  # visits and enquiries: reliability from the records on some profiles
                visits += seed_visit_history(provider, offered[0], recipients, own)
    db.session.flush()
    council_line = _seed_council(password_hash)
    for email in (OFFICER_EMAIL, ADMIN_EMAIL, COMMISSIONER_EMAIL):
        _demo_second_factor(email)
    family, _ = _user(FAMILY_EMAIL, "Sara Hussain", Role.RECIPIENT, password_hash)
    seed_family(family)
    last = plans[-1].email.split("@")[0] if plans else "provider001"
    return [
        f"Demo data: {created} new providers ({len(plans)} in the demo set)"
        + (
            ": "
            + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
            + f"; {reviews} reviews; {visits} visits recorded."
            if created
            else "."
        ),
        f"Officer: {OFFICER_EMAIL} / {DEMO_PASSWORD}",
        f"Admin:   {ADMIN_EMAIL} / {DEMO_PASSWORD}",
        council_line,
        f"Staff second factor (officer, admin, commissioner): authenticator key {DEMO_TOTP_SECRET}; "
        f"add it to an authenticator app, or print the current code with "
        f".venv/bin/python -c 'import pyotp; print(pyotp.TOTP(\"{DEMO_TOTP_SECRET}\").now())'",
        f"Recipient: recipient1@{DEMO_DOMAIN} / {DEMO_PASSWORD} (home postcode LS6 2AA; recipient2-5 live in Manchester, Birmingham, London, Cardiff; 6-13 repeat them)",
        f"Family:    {FAMILY_EMAIL} / {DEMO_PASSWORD} (arranges care for her father in LS6 and, with power of attorney, her mother in LS8)",
        f"Provider:  provider001@{DEMO_DOMAIN} / {DEMO_PASSWORD} (provider001 to {last})",
        *(
            [
                "Providers by check state: "
                + ", ".join(
                    f"{state} {email.split('@')[0]}" for state, email in sorted(examples.items()) if state != "none"
                )
            ]
            if examples
            else []
        ),
    ]


def _seed_council(password_hash: str) -> str:
    """Leeds City Council (the districts near LS6 2AA) with a commissioner and an approved list.

    The demo Leeds providers listed for personal care join it at agreed rates
    a little under their own, and the first one waits for a decision, so the
    commissioner has an application to decide. Skipped when it exists already.
    """
    from datetime import timedelta

    from registry.councils import services as councils
    from registry.councils.models import Council
    from registry.providers.models import ProviderService, ServiceType

    if db.session.scalar(select(Council).where(Council.slug == "leeds-city-council")):
        return f"Commissioner: {COMMISSIONER_EMAIL} / {DEMO_PASSWORD} (Leeds City Council)"
    council = councils.create_council("Leeds City Council", "council", core_outcodes("LS6", 5.0))
    user, _ = _user(COMMISSIONER_EMAIL, "Cara Commissioner", Role.RECIPIENT, password_hash)
    councils.make_commissioner(user, council)
    day = today()
    framework = councils.create_framework(
        council,
        user,
        "Leeds home care approved list 2026-28",
        day - timedelta(days=60),
        day + timedelta(days=670),
        "Home care and personal assistants people can buy from with a direct payment.",
    )
    personal_care = db.session.scalar(select(ServiceType).where(ServiceType.slug == "personal-care"))
    listed = db.session.scalars(
        select(Provider)
        .join(ProviderService)
        .where(
            Provider.outcode.in_(council.outcodes),
            ProviderService.service_type_id == personal_care.id,
            ProviderService.listed.is_(True),
        )
        .order_by(Provider.id)
        .limit(12)
    ).all()
    for n, provider in enumerate(listed):
        rate = max(1200, (provider.rate_min_pence or 1800) - 100)
        if n == 0:
            councils.apply(framework, provider, personal_care, rate, day)
        else:
            councils.add_provider(framework, user, provider, personal_care, rate)
    orders = _seed_call_offs(listed[1:4])
    return (
        f"Commissioner: {COMMISSIONER_EMAIL} / {DEMO_PASSWORD} (Leeds City Council, {len(listed) - 1} providers on "
        f"its list, 1 applying, {orders} orders at /council/orders)"
    )


def _seed_call_offs(providers: list[Provider]) -> int:
    """Leeds recipients order from the approved list at the agreed rate, so the commissioner has figures to see."""
    from registry.councils import calloffs
    from registry.reviews.enquiries import EnquiryRequest

    buyers = db.session.scalars(
        select(User).where(User.email.in_([f"recipient{n}@{DEMO_DOMAIN}" for n in (1, 6, 11)])).order_by(User.id)
    ).all()
    placed = 0
    for n, (buyer, provider) in enumerate(zip(buyers, providers, strict=False)):
        request = EnquiryRequest(
            service="personal-care",
            district="LS6",
            hours_per_week=(6, 10, 14)[n % 3],
            message="Ordering from the council's list: mornings suit best.",
            times=["mon-morning", "wed-morning", "fri-morning"],
        )
        calloffs.place_call_off(buyer, provider, request, ("direct-payment", "council-list", "health-budget")[n % 3])
        placed += 1
    return placed
