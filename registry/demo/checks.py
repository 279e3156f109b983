"""Demo checks: providers in every state, with small generated PDF documents."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app

from registry import audit
from registry.accounts.models import User
from registry.checks import services, status_checks
from registry.checks.kinds import CheckKind, CheckStatus, requirement_kind, verification_methods_for
from registry.checks.listing import recompute_listing, requirements_for
from registry.checks.models import Check, StatusCheckConsent
from registry.extensions import db
from registry.providers.models import Provider
from registry.storage import document_store, new_key
from registry.uploads import CheckedUpload

# The share of demo providers in each state; the rest stay as they are (drafts, or submitted with no checks).
STATES = [
    ("listed", 0.62),
    ("waiting", 0.1),
    ("rejected", 0.06),
    ("lapsing", 0.06),
    ("lapsed", 0.04),
    ("suspended", 0.04),
]


def demo_pdf(title: str) -> bytes:
    """A one-page PDF saying what it stands for (a placeholder for a real scan)."""
    text = title.replace("\\", "").replace("(", "[").replace(")", "]")[:80]
    stream = f"BT /F1 18 Tf 72 720 Td (DEMO DOCUMENT - NOT REAL) Tj 0 -30 Td /F1 12 Tf ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _details(kind: str, rng: random.Random, today: date) -> dict:
    if kind == CheckKind.DBS:
        details = {
            "level": "enhanced",
            "barred_lists": "both",
            "certificate_number": f"{rng.randrange(10**11, 10**12):012d}",
            "issue_date": (today - timedelta(days=rng.randint(30, 700))).isoformat(),
            "update_service": rng.random() < 0.6,
            "update_service_id": f"C{rng.randint(1000000, 9999999)}",
        }
        if details["update_service"]:
            # The DBS stand-in (registry/standins/dbs.py) answers "blank, no new information" to a 2.
            details["certificate_number"] = "2" + details["certificate_number"][1:]
        return details
    if kind == CheckKind.PVG:
        return {
            "membership_number": f"{rng.randrange(10**15, 10**16):016d}",
            "workforce": "both",
            "scheme_record_date": (today - timedelta(days=rng.randint(30, 700))).isoformat(),
        }
    if kind == CheckKind.ACCESSNI:
        return {
            "level": "enhanced",
            "barred_lists": "both",
            "certificate_number": f"{rng.randrange(10**11, 10**12):012d}",
            "issue_date": (today - timedelta(days=rng.randint(30, 700))).isoformat(),
        }
    if kind == CheckKind.CARE_INSPECTORATE:
        return {"registration_id": f"CS{rng.randint(2003000000, 2025999999)}"}
    if kind == CheckKind.CIW:
        return {"registration_id": f"SIN-{rng.randint(1, 99999999):08d}-{rng.choice(['ABCD', 'WXYZ', 'CYMR'])}"}
    if kind == CheckKind.RQIA:
        return {"registration_id": str(rng.randint(10000, 99999))}
    if kind == CheckKind.INSURANCE:
        return {
            "insurer": rng.choice(["Aviva", "Hiscox", "AXA", "Zurich"]),
            "policy_number": f"PL-{rng.randint(10000, 99999)}",
            "cover_pounds": rng.choice([1_000_000, 2_000_000, 5_000_000]),
            "end_date": (today + timedelta(days=rng.randint(60, 360))).isoformat(),
        }
    if kind == CheckKind.CQC:
        return {"registration_id": f"1-{rng.randint(100000000, 999999999)}"}
    if kind == CheckKind.FOOD_HYGIENE:
        return {
            "rating": rng.choice([4, 5, 5]),
            "inspected_on": (today - timedelta(days=rng.randint(30, 400))).isoformat(),
            "local_authority": "Local council",
        }
    if kind == CheckKind.QUALIFICATION:
        return {
            "title": rng.choice(["Registered Nurse", "BSc Physiotherapy"]),
            "awarding_body": rng.choice(["NMC", "HCPC"]),
            "awarded_on": "2014-07-01",
        }
    if kind == CheckKind.RIGHT_TO_WORK:
        return {"document_type": "british_passport", "share_code": ""}
    return {"document_type": "passport"}


def _decided_on(check, when: random.Random, today: date) -> date:
    """A believable decision date: weeks or months ago, never before a DBS certificate was issued."""
    days_ago = when.randint(3, 240)
    dated = {CheckKind.DBS: "issue_date", CheckKind.ACCESSNI: "issue_date", CheckKind.PVG: "scheme_record_date"}
    if check.kind in dated:
        issued = date.fromisoformat(check.details[dated[check.kind]])
        days_ago = min(days_ago, max((today - issued).days - 7, 1))
    return today - timedelta(days=days_ago)


def _backdate(check, decided_on: date, when: random.Random) -> None:
    decided_at = datetime.combine(
        decided_on, time(hour=when.randint(9, 16), minute=when.randint(0, 59)), tzinfo=timezone.utc
    )
    check.decided_at = decided_at
    check.submitted_at = decided_at - timedelta(days=when.randint(1, 4), hours=when.randint(0, 8))


def _needed_kinds(provider: Provider) -> list[str]:
    kinds = []
    for row in provider.services:
        for code in requirements_for(provider, row.service_type):
            kind = requirement_kind(code, provider.nation)  # each nation's own scheme and regulator
            if kind is not None and kind not in kinds:
                kinds.append(kind)
    return kinds


def _approved(
    provider: Provider, kind: str, details: dict, officer: User, rng: random.Random, when: random.Random, today: date
) -> Check:
    """An approved check with its document, decided weeks or months ago, and its audit event.

    Written directly rather than through submit and approve: those flush and
    relist after every step, which for thousands of demo checks is most of the
    seed's time. The fields, document and audit event are the ones
    :func:`services.approve` writes; the listing is recomputed by the real rule
    once all the provider's checks are in.
    """
    pdf = demo_pdf(f"{kind.replace('_', ' ')} for {provider.display_name}")
    key = new_key()
    document_store().put(key, pdf, "application/pdf")
    use_update_service = kind == CheckKind.DBS and details.get("update_service")
    check = Check(
        provider=provider,
        kind=kind,
        details=details,
        document_key=key,
        document_name=f"{kind}.pdf",
        document_type="application/pdf",
        document_size=len(pdf),
    )
    decided_on = _decided_on(check, when, today)
    check.status, check.decided_by_id = CheckStatus.APPROVED, officer.id
    method = "update_service" if use_update_service else rng.choice(["in_person", "video"])
    # A background check is never verified by video (its security features do not show): each kind's own methods.
    check.verification_method = method if method in verification_methods_for(kind) else "in_person"
    if kind in (CheckKind.CARE_INSPECTORATE, CheckKind.CIW, CheckKind.RQIA):
        check.verification_method = "public_register"  # as an officer would: on the regulator's register
    check.update_service_result = "no_new_information" if use_update_service else None
    check.valid_until = services.proposed_valid_until(kind, details, decided_on)
    _backdate(check, decided_on, when)
    db.session.add(check)
    db.session.flush()
    if use_update_service:
        _status_checked(check, provider, decided_on, today)
    audit.record(
        f"check.{CheckStatus.APPROVED}",
        check,
        actor_id=officer.id,
        provider_id=provider.id,
        details={
            "kind": kind,
            "reason": None,
            "verification_method": check.verification_method,
            "update_service_result": check.update_service_result,
            "valid_until": check.valid_until.isoformat(),
        },
    )
    return check


def _status_checked(check: Check, provider: Provider, decided_on: date, today: date) -> None:
    """The provider consented to automatic status checks at approval; the last one was in the past month."""
    config = current_app.config
    rng = random.Random(f"{provider.slug}-status-checks")  # its own stream: the seed's other draws stay as they were
    now = datetime.now(timezone.utc)
    surname = provider.display_name.split()[-1].upper()
    consent = StatusCheckConsent(
        check=check,
        given_at=check.decided_at,
        given_by_id=provider.user_id,
        wording=status_checks.consent_wording(check),
        surname=surname,
        date_of_birth=date(1960, 1, 1) + timedelta(days=rng.randint(0, 12000)),
        next_due_at=now + timedelta(days=config["DBS_STATUS_CHECK_DAYS"]) * rng.random(),
    )
    db.session.add(consent)
    checked_at = now - timedelta(days=rng.randint(0, config["DBS_STATUS_CHECK_DAYS"] - 1), hours=rng.randint(0, 12))
    if checked_at.date() >= decided_on:
        check.status_checked_at = checked_at
        check.valid_until = max(
            check.valid_until, checked_at.date() + timedelta(days=config["DBS_STATUS_CHECK_VALID_DAYS"])
        )
        audit.record(
            "check.status_checked",
            check,
            actor_id=None,
            provider_id=provider.id,
            details={"automatic": True, "outcome": "current"},
        )


def _pick_state(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in STATES:
        if roll < share:
            return name
        roll -= share
    return "none"


def seed_checks(provider: Provider, officer: User, rng: random.Random, today: date, state: str | None = None) -> str:
    """Give one new demo provider checks in ``state`` (random when None); returns the state."""
    state = _pick_state(rng) if state is None else state
    if state == "none" or provider.status == "draft":
        return "none"
    when = random.Random(provider.slug)
    kinds = _needed_kinds(provider)
    # Providers in the queue's states have their last check still waiting or turned down.
    undecided = kinds[-1:] if state in ("waiting", "rejected") else []
    checks = [
        _approved(provider, kind, _details(kind, rng, today), officer, rng, when, today)
        for kind in kinds
        if kind not in undecided
    ]
    for kind in undecided:
        pdf = demo_pdf(f"{kind.replace('_', ' ')} for {provider.display_name}")
        upload = CheckedUpload(pdf, "application/pdf", len(pdf), f"{kind}.pdf")
        checks.append(services.submit_check(provider, kind, _details(kind, rng, today), upload))
    if state == "waiting":
        checks[-1].submitted_at = datetime.now(timezone.utc) - timedelta(
            days=when.randint(0, 9), hours=when.randint(0, 23)
        )
    if state == "rejected":
        services.reject(
            checks[-1],
            officer,
            "The scan is too blurred to read the certificate number. Please upload a clearer copy.",
            today=today,
        )
        _backdate(checks[-1], today - timedelta(days=when.randint(1, 20)), when)
    elif state == "lapsing":
        checks[-1].valid_until = today + timedelta(days=rng.randint(5, 25))
    elif state == "lapsed":
        lapsed = checks[-1]
        lapsed.valid_until = today - timedelta(days=rng.randint(3, 40))
        lapsed.status = CheckStatus.LAPSED
        audit.record(
            "check.lapsed",
            lapsed,
            actor_id=None,
            provider_id=provider.id,
            details={"valid_until": lapsed.valid_until.isoformat()},
        )
    # "suspended" providers get their checks here; registry.demo suspends them (a safeguarding step).
    recompute_listing(provider, today)
    return state
