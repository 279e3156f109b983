"""ORUK-style stateful check: a council harvests once, then syncs every so often, whatever happens in between.

Hypothesis runs random sequences of what officers, providers and time do
(checks approved, revoked and left to lapse, suspensions and reinstatements,
profiles edited with services added and taken off, time passing) with a sync
after any of them; after every sync the council's copy, kept with
``modified_after`` and ``/deletions`` only, must be exactly what a fresh
harvest gives. test_sync.py walks one such sequence by hand.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from registry.extensions import db
from tests.conftest import approve_checks, complete_profile_data
from tests.openreferral.test_sync import _check, _provider, _user, harvest, server_time, sync

NAMES = ["Ann Able", "Ben Bold", "Cat Cole", "Dee Dale"]
POSTCODES = ["LS6 2AA", "LS5 3AA", "LS7 1AA", "LS8 1AA"]
SERVICE_CHOICES = [["personal-care"], ["companionship"], ["personal-care", "companionship"]]


def test_a_copy_kept_by_syncing_is_always_a_fresh_harvest(app, client, make_provider, make_user, clock, monkeypatch):
    import registry.searching.services
    from registry.checks.kinds import CheckStatus
    from registry.checks.services import revoke
    from registry.models import today
    from registry.providers.services import update_profile
    from registry.safeguarding.services import reinstate, suspend

    # The feed reads the database only; the search index is not what is under test, and rewriting it after each
    # of dozens of quick commits only slows this down.
    monkeypatch.setattr(registry.searching.services, "sync_after_commit", lambda app: None)
    officer = make_user("officer", name="Olu Officer")
    slugs = [make_provider("pa", name=name, base_postcode=postcode) for name, postcode in zip(NAMES, POSTCODES)]
    for slug in slugs[:3]:
        approve_checks(app, slug)

    provider = st.sampled_from(range(len(slugs)))

    class Council(RuleBasedStateMachine):
        @initialize()
        def harvest_everything(self):
            self.since = server_time(client)
            self.copy = harvest(client)
            self.syncs = 0
            clock.advance(seconds=2)  # the Date header counts whole seconds: later writes come after it

        @rule(n=provider, days_valid=st.sampled_from([1, 365]), then_sync=st.booleans())
        def checks_approved(self, n, days_valid, then_sync):
            approve_checks(app, slugs[n], days_valid=days_valid)
            self.then(then_sync)

        @rule(n=provider, kind=st.sampled_from(["identity", "first_aid", "dbs"]), then_sync=st.booleans())
        def check_revoked(self, n, kind, then_sync):
            with app.app_context():
                check = _check(slugs[n], kind)
                if check is not None and check.status == CheckStatus.APPROVED:
                    revoke(check, _user(officer), "Document was not genuine.")
                    db.session.commit()
            self.then(then_sync)

        @rule(n=provider, then_sync=st.booleans())
        def suspended_or_reinstated(self, n, then_sync):
            with app.app_context():
                found = _provider(slugs[n])
                if found.suspended_at is None:
                    suspend(found, _user(officer), "A concern is being looked into.")
                else:
                    reinstate(found, _user(officer), "Concern not upheld.")
                db.session.commit()
            self.then(then_sync)

        @rule(
            n=provider,
            services=st.sampled_from(SERVICE_CHOICES),
            about=st.sampled_from(["Kind.", "Calm."]),
            then_sync=st.booleans(),
        )
        def profile_edited(self, n, services, about, then_sync):
            with app.app_context():
                update_profile(
                    _provider(slugs[n]),
                    complete_profile_data(
                        display_name=NAMES[n], base_postcode=POSTCODES[n], about=about, services=services
                    ),
                )
                db.session.commit()
            self.then(then_sync)

        @rule(hours=st.sampled_from([1, 9, 30]), then_sync=st.booleans())
        def time_passes(self, hours, then_sync):
            clock.advance(hours=hours)  # past midnight, a one-day check lapses with nobody writing anything
            self.then(then_sync)

        def then(self, sync: bool) -> None:
            """The council's next sync comes now, or after more changes."""
            if sync:
                self.council_syncs()

        @rule()
        def council_syncs(self):
            now = server_time(client)
            sync(client, self.copy, self.since)
            self.since = now
            self.syncs += 1
            clock.advance(seconds=2)
            assert self.copy == harvest(client)

        @invariant()
        def only_listed_services_are_published(self):
            # Whatever the copy holds between syncs, the feed itself never shows a provider that is not listed.
            with app.app_context():
                from registry.checks.listing import listed_services_now

                for slug in slugs:
                    found = _provider(slug)
                    published = {item["name"] for item in harvest(client, organization_id=_org_id(found.id)).values()}
                    expected = {f"{t.name}: {found.display_name}" for t in listed_services_now(found, today())}
                    assert published == expected

    run_state_machine_as_test(
        Council,
        settings=settings(
            max_examples=6,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def _org_id(provider_id: int) -> str:
    from registry.openreferral import ids

    return ids.organization_id(provider_id)
