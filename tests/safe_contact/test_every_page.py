"""Her hidden address, on every page and in every export that shows a person.

The walker signs in as each of the demo's people and GETs every URL Lantern serves, pages
and API alike, as the URL resolver lists them: a route that takes a person's reference gets
hers; a route that takes a record's number gets the record about her (her meeting, her
alert, her referral, her place in the network...). A route added later is walked without
anyone remembering to: if it takes a number this file cannot fill, the test fails and says
so, until the route is mapped below or skipped with a reason.

For everyone but her lead worker, none of her addresses (either first line, either
postcode, however spaced) may appear in any answer: HTML, JSON, CSV or PDF (read as text).
Her lead worker sees them on her page. The safe-contact banner is on her page for anyone
who may see her.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lantern.network.models import Entity
from lantern.support.models import Service
from tests.accounts.helpers import sign_in_verified
from tests.conftest import second_run

from .conftest import HOME_LINE, HOME_POSTCODE, SAFE_PHONE, body_text, leaks, user

pytestmark = pytest.mark.django_db

# Everyone who signs in, but her lead worker (support.worker), who is walked apart.
READERS = [
    "mash.worker",
    "social.worker",
    "team.manager",
    "police.officer",
    "police.analyst",
    "nhs.nurse",
    "school.dsl",
    "partnership.manager",
    "scrutineer",
    "dpo",
    "admin",
]
# The second run of `./dev test` (PostgreSQL) walks as the four who reach all her pages
# between them: the masks are the same queries on both databases, and the first run walks
# as everyone.
SECOND_RUN_READERS = ["mash.worker", "social.worker", "police.officer", "nhs.nurse"]

# Routes the walker does not GET, and why.
SKIPPED = {
    # Her own record, for her: a subject access pack is what she asked for (helper R's
    # tests check what it redacts about others).
    "sar": "her subject access pack is her own record, released to her",
    # Anonymised, aggregated feedback: no person, no address (voice's own tests).
    "voice": "anonymised feedback only, never a person's address",
    "api:schema": "the API's description, no data",
    "accounts:sign-out": "signs the walker out",
    "linkage:change-undo": "no link change about her in the fixture (a confirmation form)",
    "risk:assessment": "no risk assessment of her in the fixture; its answers go through "
    "the same without_address filter",
    "risk:decide": "POST only",
    "api:risk-assessment": "no risk assessment of her in the fixture",
    "api:risk-assessment-approve": "POST only",
    "api:risk-assessment-reject": "POST only",
    "justice:operation": "an operation's totals: counts, no person",
    "api:justice-operation-totals": "an operation's totals: counts, no person",
}
# Record kinds with no example in the fixture (no enquiry, assessment, conference or plan
# about her): their pages mask notes exactly as her meeting's page does (casework._safety).
NOT_IN_FIXTURE = {
    "casework:enquiry",
    "casework:assessment",
    "casework:conference",
    "casework:plan",
    "casework:plan-action",
    "casework:plan-core-group",
    "casework:plan-review",
    "casework:plan-schedule",
    "casework:plan-close",
    "api:enquiry",
    "api:enquiry-complete",
    "api:assessment",
    "api:assessment-complete",
    "api:conference",
    "api:plan",
    "api:plan-actions",
    "api:plan-core-group-meetings",
    "api:plan-reviews",
    "api:plan-schedule",
    "api:plan-close",
}
# Lists and searches: no argument in the route, so a query finds her.
QUERIES = {
    "web:people-search": ["?name=Linnea+Farrowdale", "?name=Farrowdale&plain=1"],
    "web:people-export": ["?name=Farrowdale"],
    "api:people-search": ["?name=Farrowdale"],
    "api:people-match": [
        "?given_name=Linnea&family_name=Farrowdale&date_of_birth=2010-05-02&postcode="
        + HOME_POSTCODE.replace(" ", "+")
    ],
    "network:start": ["?q=Farrowdale", "?q=Ashgrave"],
    "network:chain": [],  # filled with her two ends in `_urls`
}
# Pages that show her (or a record about her) to at least one of the readers: proof that
# the walk really reached each kind of page, so a leak-free walk is not an empty one.
MUST_REACH = [
    "web:person",
    "web:people-search",
    "chronology:person",
    "chronology:export",
    "casework:person",
    "casework:meeting",
    "casework:action",
    "frontdoor:referral",
    "frontdoor:request",
    "alerts:alert",
    "network:entity",
    "network:graph",
    "network:entity-pdf",
    "network:entity-csv",
    "network:report",
    "justice:investigation",
    "justice:case",
    "justice:person-bail",
    "api:person",
    "api:person-chronology",
    "api:referral",
    "api:alert",
    "api:meeting",
    "api:network-report",
    "api:network-entity-neighbourhood",
    "linkage:review-pair",
]


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    route: str
    params: tuple[str, ...]


def routes() -> list[Route]:
    found = []

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else None
                walk(p.url_patterns, inner or p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found.append(Route(name, str(p.pattern), tuple(p.pattern.converters)))

    walk(get_resolver().url_patterns)
    return found


def _app(route: Route) -> str:
    """The app a route belongs to: its namespace, or for the API (one namespace for every
    app) the prefix its name starts with ("api:voice-feedback" is voice's)."""
    namespace, _, name = route.name.partition(":")
    if namespace == "api" and name.split("-")[0] in APPS_IN_API:
        return name.split("-")[0]
    return namespace


APPS_IN_API = {"support", "voice", "sar"}


def _skip_reason(route: Route) -> str | None:
    if route.name in SKIPPED:
        return SKIPPED[route.name]
    if _app(route) in SKIPPED:
        return SKIPPED[_app(route)]
    if route.name in NOT_IN_FIXTURE:
        return "no such record about her in the fixture"
    if _app(route) == "support" and "referral" in route.name and "pk" in route.params:
        return "no service referral for her in the fixture (helper S's pages, still growing)"
    return None


def _values(survivor) -> dict[tuple[str, str], list]:
    """What to put in each route's arguments: (route name or namespace, argument)."""
    her = survivor.person
    entity = Entity.objects.get(person=her)
    abuser_entity = Entity.objects.get(person=survivor.abuser)
    entities = [entity.pk, survivor.home_place.pk, abuser_entity.pk]
    action = survivor.meeting.actions.first()
    community = entity.community
    return {
        ("*", "reference"): [her.reference],
        ("frontdoor", "reference"): [survivor.referral.reference],
        ("api:referral", "reference"): [survivor.referral.reference],
        ("justice:person-bail", "reference_"): [survivor.abuser.reference, her.reference],
        ("web:record-correct", "record_id"): [r.pk for r in survivor.records],
        ("linkage:record-split", "record_id"): [survivor.records[0].pk],
        ("linkage:review-pair", "pk"): [survivor.pair.pk],
        ("casework:meeting-new", "kind"): ["strategy_discussion"],
        ("risk:complete", "tool"): ["child_exploitation_screening"],
        ("casework:meeting", "pk"): [survivor.meeting.pk],
        ("casework:meeting-action", "pk"): [survivor.meeting.pk],
        ("casework:enquiry-start", "pk"): [survivor.meeting.pk],
        ("casework:action", "pk"): [action.pk],
        ("api:meeting", "pk"): [survivor.meeting.pk],
        ("api:meeting-actions", "pk"): [survivor.meeting.pk],
        ("api:meeting-enquiry", "pk"): [survivor.meeting.pk],
        ("api:action-complete", "pk"): [action.pk],
        ("frontdoor:request", "pk"): [survivor.request.pk],
        ("api:information-request-answer", "pk"): [survivor.request.pk],
        ("alerts", "pk"): [survivor.alert.pk],
        ("api:alert", "pk"): [survivor.alert.pk],
        ("api:alert-acknowledge", "pk"): [survivor.alert.pk],
        ("api:alert-act", "pk"): [survivor.alert.pk],
        ("api:alert-dismiss", "pk"): [survivor.alert.pk],
        ("alerts:task-done", "pk"): [0],
        ("alerts:rule", "code"): ["safe_contact_test_rule"],
        ("network", "pk"): entities,
        ("network:report", "pk"): [survivor.report.pk],
        ("network", "community"): [community] if community is not None else [],
        ("api:network-report", "pk"): [survivor.report.pk],
        ("api:network-report-summaries", "pk"): [survivor.report.pk],
        ("api:network-entity-neighbourhood", "pk"): entities,
        ("api:network-entity-flag", "pk"): entities,
        ("justice", "pk"): [survivor.investigation.pk],
        ("justice:case", "pk"): [survivor.court_case.pk],
        ("justice:counts-add", "pk"): [survivor.court_case.pk],
        ("justice:hearing-schedule", "pk"): [survivor.court_case.pk],
        ("justice:plea-enter", "pk"): [survivor.court_case.pk],
        ("justice:verdict-record", "pk"): [survivor.court_case.pk],
        ("justice:sentences-pass", "pk"): [survivor.court_case.pk],
        ("justice:bail-set", "pk"): [survivor.court_case.pk],
        ("justice:order-make", "pk"): [survivor.court_case.pk],
        ("justice:duty-done", "pk"): [0],
        ("api:justice-case", "pk"): [survivor.court_case.pk],
        ("api:justice-case-pleas", "pk"): [survivor.court_case.pk],
        ("api:justice-case-verdicts", "pk"): [survivor.court_case.pk],
        ("api:justice-case-sentences", "pk"): [survivor.court_case.pk],
        ("support", "pk"): [survivor.plan.pk],
        ("support", "code"): list(Service.objects.values_list("code", flat=True)[:1]),
    }


def _lookup(values, route: Route, param: str):
    namespace = route.name.partition(":")[0]
    for key in ((route.name, param), (_app(route), param), (namespace, param), ("*", param)):
        if key in values:
            return values[key]
    return None


def _urls(survivor) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Every (route name, URL) to GET, and the routes skipped with the reason."""
    values = _values(survivor)
    urls, skipped, unmapped = [], {}, []
    for route in routes():
        reason = _skip_reason(route)
        if reason:
            skipped[route.name] = reason
            continue
        if not route.params:
            base = reverse(route.name)
            queries = QUERIES.get(route.name, [""])
            if route.name == "network:chain":
                queries = [f"?start={survivor.person.reference}&end={survivor.abuser.reference}"]
            urls += [(route.name, base + q) for q in queries or [""]]
            continue
        choices = {p: _lookup(values, route, p) for p in route.params}
        missing = [p for p, found in choices.items() if found is None]
        if missing:
            unmapped.append(f"{route.name} ({route.route}): {', '.join(missing)}")
            continue
        combos = [{}]
        for param, options in choices.items():
            combos = [dict(c, **{param: o}) for c in combos for o in options]
        urls += [(route.name, reverse(route.name, kwargs=kwargs)) for kwargs in combos]
    assert not unmapped, (
        "These routes take an argument the walker cannot fill: map each to the record about "
        "her in _values, or skip it with a reason in SKIPPED:\n" + "\n".join(unmapped)
    )
    return urls, skipped


def _walk(username: str, urls) -> tuple[dict[str, list[str]], dict[str, int]]:
    """GET every URL as the user: her addresses found, by URL; and the statuses."""
    client = sign_in_verified(Client(), user(username))
    found, statuses = defaultdict(list), {}
    for name, url in urls:
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code < 500, f"{username} GET {url}: {response.status_code}"
        if response.status_code == 200:
            for word in leaks(body_text(response)):
                found[f"{name} {url}"].append(word)
    return found, statuses


def test_no_page_or_export_shows_her_address_to_anyone_but_her_lead_worker(survivor):
    urls, _ = _urls(survivor)
    reached: set[str] = set()
    problems = []
    for username in SECOND_RUN_READERS if second_run() else READERS:
        found, statuses = _walk(username, urls)
        problems += [f"{username}: {where} shows {', '.join(w)}" for where, w in found.items()]
        reached |= {name for name, url in urls if statuses[url] == 200}
    assert not problems, "Her hidden address was shown:\n" + "\n".join(problems)
    missed = [name for name in MUST_REACH if name not in reached]
    assert not missed, f"The walk never reached (nobody got a 200): {missed}"


def test_her_lead_worker_sees_her_address_on_her_page(survivor, support_worker):
    client = sign_in_verified(Client(), support_worker)
    page = client.get(reverse("web:person", args=[survivor.person.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert HOME_LINE in html and HOME_POSTCODE in html
    assert 'id="safe-contact"' in html and "Hidden from everyone but you" in html


@pytest.mark.parametrize("username", ["social.worker", "police.officer", "mash.worker"])
def test_the_banner_shows_how_to_contact_her_on_her_page(survivor, username):
    client = sign_in_verified(Client(), user(username))
    html = client.get(reverse("web:person", args=[survivor.person.reference])).content.decode()
    banner = html[html.index('id="safe-contact"') : html.index("You can see this because")]
    assert SAFE_PHONE in banner and "Weekdays 4pm to 6pm" in banner
    assert "Say you are calling from the school nurse" in banner
    assert "Address hidden: ask the lead worker, Aisha Rahman, Harbour Survivors" in banner
    assert "Letters by post" in banner.split("Not allowed")[1]  # post may not be sent
    for row in ("Allowed", "Not allowed"):  # each list reads as a list, no dangling "; "
        listed = re.sub(r"<[^>]+>", "", banner.split(f">{row}</dt>")[1].split("</dd>")[0])
        assert listed.strip() and not listed.strip().endswith(";")
    assert "Address hidden: ask the lead worker" in html.split("What each agency holds")[1]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("casework:person", lambda s: [s.person.reference]),
        ("frontdoor:referral", lambda s: [s.referral.reference]),
    ],
)
def test_the_banner_is_where_a_worker_contacts_her(survivor, name, args):
    who = {"casework:person": "social.worker", "frontdoor:referral": "mash.worker"}[name]
    client = sign_in_verified(Client(), user(who))
    html = client.get(reverse(name, args=args(survivor))).content.decode()
    assert 'id="safe-contact"' in html and SAFE_PHONE in html


def test_the_victims_duties_say_how_to_reach_her(survivor, police_officer):
    client = sign_in_verified(Client(), police_officer)
    for url in (
        reverse("justice:investigation", args=[survivor.investigation.pk]),
        reverse("justice:case", args=[survivor.court_case.pk]),
    ):
        html = client.get(url).content.decode()
        assert "lantern-safe-contact-line" in html and SAFE_PHONE in html, url
