"""Shared fixtures: one small synthetic borough for the whole run, and personas.

The borough is seeded once into the test database (so tests read a believable
partnership, not hand-made scraps); each test runs in a transaction that is
rolled back. Browser journeys run last, because their live server empties the
database, and seed their own borough.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

TEST_PEOPLE = 600
TEST_SEED = 7
TEST_TODAY = dt.date(2026, 11, 2)


def seed_test_borough() -> None:
    from lantern.linkage.frames import source_records_frame
    from lantern.linkage.matching import frequencies_rebuild
    from lantern.synth.demo import demo_users_ensure
    from lantern.synth.demo_access import demo_allocations_ensure
    from lantern.synth.services import borough_seed

    borough_seed(people=TEST_PEOPLE, seed=TEST_SEED, today=TEST_TODAY)
    frequencies_rebuild(source_records_frame())  # as `lantern link` leaves them
    demo_users_ensure(today=TEST_TODAY)
    demo_allocations_ensure(today=TEST_TODAY)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_test_borough()


@pytest.fixture(autouse=True)
def every_person_shown_was_audited():
    """The check over the whole suite: a test fails if any response it caused showed a
    person without an audit event naming them (tests/support/audit_coverage.py)."""
    from tests.support import audit_coverage

    audit_coverage.unaudited.clear()
    yield
    assert not audit_coverage.unaudited, "\n".join(audit_coverage.unaudited)


_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
)


def second_run() -> bool:
    """`./dev test` runs the suite twice, on SQLite then on PostgreSQL: is this the second?"""
    return os.environ.get("LANTERN_TESTS_THAT_USE_THE_DATABASE_ONLY") == "1"


def _same_on_any_database(item) -> bool:
    """pytest-django lets a test reach the database only through its mark or these fixtures
    (directly or through another fixture: `fixturenames` is every fixture it uses). A test
    marked `first_run_only` makes its own database (a subprocess on SQLite)."""
    if item.get_closest_marker("first_run_only") is not None:
        return True
    if item.get_closest_marker("django_db") is not None:
        return False
    return not (_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: 1 if item.get_closest_marker("e2e") else 0)
    if second_run():
        # A test that cannot touch the test database gives the same answer on both, so
        # the second run leaves it out (it has run, or is running, in the first).
        left_out = [item for item in items if _same_on_any_database(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if not _same_on_any_database(item)]


def _persona(username: str):
    """A fixture for one of the demo's sign-ins (each role has one)."""

    @pytest.fixture
    def persona(db):
        return get_user_model().objects.get(username=username)

    return persona


def _agency(code: str):
    @pytest.fixture
    def agency(db):
        from lantern.partners.models import Agency

        return Agency.objects.get(code=code)

    return agency


mash_worker = _persona("mash.worker")
social_worker = _persona("social.worker")
police_officer = _persona("police.officer")
nhs_nurse = _persona("nhs.nurse")
school_dsl = _persona("school.dsl")
scrutineer = _persona("scrutineer")
dpo = _persona("dpo")
sysadmin = _persona("admin")
police = _agency("northmoor-police")
council = _agency("kestrelford-childrens-services")


@pytest.fixture
def open_referral(mash_worker):
    """Open a referral about a person at the front door, so the front door may see what
    every agency holds about them."""
    from lantern.access.services import front_door_referral_open
    from lantern.partners.models import Team

    def open_for(person):
        return front_door_referral_open(
            actor=mash_worker,
            person=person,
            team=Team.objects.get(code="front-door"),
            reason="Referral received",
        )

    return open_for


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    from tests.accounts.helpers import sign_in_verified

    def sign_in(user):
        return sign_in_verified(client, user)

    return sign_in


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


# ---------------------------------------------------------------- browser journeys
# One Chromium for the whole run, shared by every journey (tests/e2e, and the journeys
# beside the apps they test): Playwright's sync API allows one instance per thread, so
# these fixtures are defined here once and never imported into a test module.

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium_executable() -> str | None:
    return (
        os.environ.get("LANTERN_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    executable = chromium_executable()
    if not executable:
        message = "Chromium is not installed: apt-get install chromium (browser journeys)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django must allow its ORM
    # here (set only once a browser journey runs, not for the rest of the suite).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    from lantern.synth.models import BoroughSeed

    if not BoroughSeed.objects.exists():  # an earlier journey's live server emptied it
        seed_test_borough()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
