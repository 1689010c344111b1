"""New network links feed the early-identification rules: a child newly linked to an adult
who is linked to three other children at risk raises an alert about the child, listing
the links that caused it, routed like every other alert and shown to its readers only as
"a restricted record held by" the police.

The network is built by hand through the police's own service (network.services.
report_submit, as the police officer), with fictional people only the police hold records
of. "At risk" is facts.children_at_risk: here an open alert, or a high exploitation
screening.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lantern.access.models import Notification
from lantern.alerts import facts as fact_source
from lantern.alerts import intake, rules, selectors, services
from lantern.alerts.engine import backtest_report
from lantern.alerts.models import Alert, AlertFact, AlertRecipient
from lantern.network import services as network
from lantern.network.models import Link
from lantern.partners.models import Agency
from lantern.risk.models import Assessment

from .conftest import COUNCIL, NOW, POLICE, firing_for, make_person, record, user

pytestmark = pytest.mark.django_db

RULE = "linked_to_adult_around_children_at_risk"
TODAY = NOW.date()
LINKED_ON = TODAY - dt.timedelta(days=3)


# ---------------------------------------------------------------- building the network
def person(ref: str, who) -> network.EntityInput:
    return network.EntityInput(ref, kind="person", person_reference=who.reference)


def link(officer, a, b, *, kind="seen_with", on=LINKED_ON, sensitivity="normal"):
    """One report: person `a` seen with person `b`. Returns the report's link."""
    report = network.report_submit(
        actor=officer,
        data=network.ReportInput(
            observed_on=on,
            source_description="Patrol officer",
            source_evaluation="B",
            intelligence_assessment="2",
            handling_code="P",
            text="Seen together in a car park late at night",
            entities=[person("a", a), person("b", b)],
            links=[network.LinkInput("a", "b", kind)],
            sensitivity=sensitivity,
        ),
    )
    return report.links.get()


def child(given: str, family: str):
    return make_person(given, family, dt.date(2011, 5, 20), POLICE)


def open_alert_about(who):
    """An alert from another rule (three missing episodes), open: the child is at risk."""
    events = [
        record(who, POLICE, "missing_episode", NOW - dt.timedelta(days=d), "Missing overnight")
        for d in (25, 15, 6)
    ]
    rule = rules.rule("missing_three_times_in_30_days")
    return services.alert_raise(firing_for(rule, who, *events), rule=rule)


def high_screening_about(who):
    """A child exploitation screening at high: the child is at risk."""
    return Assessment.objects.create(
        person=who,
        tool="child_exploitation_screening",
        tool_version=1,
        score=30,
        score_level="high",
        level="high",
        completed_by=user("social.worker"),
        agency=Agency.objects.get(code=COUNCIL),
        completed_at=NOW - dt.timedelta(days=20),
    )


@pytest.fixture
def hub(police_officer):
    """An adult linked to four children, then the first three found to be at risk (a
    change of risk is no link: the live flow evaluates nothing until the next link)."""
    adult = make_person("Dorian", "Vexley", dt.date(1988, 2, 9), POLICE)
    children = [
        child("Ada", "Pellworth"),
        child("Bram", "Tolliver"),
        child("Cerys", "Oakhanger"),
        child("Dilys", "Marchbank"),
    ]
    links = [link(police_officer, adult, c) for c in children]
    open_alert_about(children[0])
    open_alert_about(children[1])
    high_screening_about(children[2])
    return {"adult": adult, "children": children, "links": links}


@pytest.fixture
def newcomer():
    return child("Eli", "Brackenridge")


def network_alerts():
    return Alert.objects.filter(rule=RULE)


# ---------------------------------------------------------------- the rule fires
def test_a_child_linked_to_an_adult_around_three_children_at_risk_raises_an_alert(
    police_officer, hub, newcomer
):
    assert not network_alerts().exists()  # three at risk, but no one new beside them yet
    new = link(police_officer, newcomer, hub["adult"])

    alert = network_alerts().get()
    assert alert.person == newcomer
    assert alert.severity == "high"
    assert (alert.team.code, alert.agency.code) == ("front-door", COUNCIL)
    assert {t.agency.code for t in alert.tasks.all()} == {COUNCIL, POLICE}
    # the causes: the child's link to the adult, and the adult's links to the three
    # children at risk; not the link to the fourth child, who is not at risk
    at_risk = hub["links"][:3]
    causes = alert.facts.all()
    assert {(f.source_type, f.source_id) for f in causes} == {
        ("network.link", x.pk) for x in [new, *at_risk]
    }
    assert {f.person_id for f in causes} == {newcomer.pk, *(c.pk for c in hub["children"][:3])}
    assert {f.kind for f in causes} == {"network_link"}
    assert {f.agency.code for f in causes} == {POLICE}
    assert alert.fired_at.date() == LINKED_ON


def test_with_only_two_other_children_at_risk_nothing_is_raised(police_officer, newcomer):
    adult = make_person("Dorian", "Vexley", dt.date(1988, 2, 9), POLICE)
    children = [child("Ada", "Pellworth"), child("Bram", "Tolliver"), child("Cerys", "Oak")]
    open_alert_about(children[0])
    high_screening_about(children[1])  # the third is linked but not at risk
    for c in children:
        link(police_officer, adult, c)

    link(police_officer, newcomer, adult)
    assert not network_alerts().exists()

    # the third child becomes at risk: the next link to the adult is enough
    open_alert_about(children[2])
    link(police_officer, adult, newcomer, kind="found_with")
    assert network_alerts().get().person == newcomer


def test_an_adult_newly_linked_raises_nothing(police_officer, hub):
    other_adult = make_person("Gareth", "Stallwood", dt.date(1979, 8, 30), POLICE)
    link(police_officer, other_adult, hub["adult"])
    assert not network_alerts().exists()


def test_a_child_who_turns_18_before_the_link_is_not_a_child(police_officer, hub):
    just_adult = make_person("Hana", "Ruddock", dt.date(2008, 11, 1), POLICE)  # 18 on 1 Nov
    link(police_officer, just_adult, hub["adult"])
    assert not network_alerts().exists()


def test_the_same_link_again_does_not_raise_a_second_alert(police_officer, hub, newcomer):
    first = link(police_officer, newcomer, hub["adult"])
    alert = network_alerts().get()
    told = AlertRecipient.objects.filter(alert=alert).count()
    notes = Notification.objects.count()

    # the very same rows arrive again: nothing new, no one told again
    assert intake.links_arrived([first]) == [alert]
    assert network_alerts().count() == 1
    assert alert.facts.count() == 4
    assert AlertRecipient.objects.filter(alert=alert).count() == told
    assert Notification.objects.count() == notes

    # a second report of the same two together: added to the open alert, never a second
    again = link(police_officer, hub["adult"], newcomer)
    assert network_alerts().count() == 1
    assert alert.facts.filter(source_type="network.link", source_id=again.pk).exists()


def test_a_dismissed_alert_no_longer_makes_a_child_at_risk(police_officer, newcomer):
    adult = make_person("Dorian", "Vexley", dt.date(1988, 2, 9), POLICE)
    children = [child("Ada", "Pellworth"), child("Bram", "Tolliver"), child("Cerys", "Oak")]
    alerts = [open_alert_about(c) for c in children]
    for c in children:
        link(police_officer, adult, c)
    services.alert_dismiss(
        actor=user("mash.worker"), alert=alerts[0], reason="Known; the family moved away"
    )
    assert fact_source.children_at_risk([c.pk for c in children], TODAY) == {
        children[1].pk,
        children[2].pk,
    }
    link(police_officer, newcomer, adult)
    assert not network_alerts().exists()


def test_a_sealed_report_raises_no_alert(police_officer, hub, newcomer):
    Link.objects.filter(pk__in=[x.pk for x in hub["links"]]).update(sensitivity="sealed")
    link(police_officer, newcomer, hub["adult"])
    assert not network_alerts().exists()


# ---------------------------------------------------------------- who learns what
def test_the_readers_see_the_child_and_never_the_others(police_officer, hub, newcomer):
    link(police_officer, newcomer, hub["adult"])
    alert = network_alerts().get()
    others = [hub["adult"], *hub["children"]]

    recipients = AlertRecipient.objects.filter(alert=alert)
    assert recipients.filter(user=user("mash.worker")).exists()
    for note in Notification.objects.filter(kind="alert_raised", person=newcomer):
        assert newcomer.reference in note.message
        for other in others:
            assert other.reference not in note.message
            assert other.family_name not in note.message

    # the front door sees four records held by the police, their days, and nothing else
    view = selectors.alert_view(user=user("mash.worker"), alert=alert)
    assert len(view.facts) == 4
    for fact in view.facts:
        assert not fact.shown
        assert fact.text == "A restricted record held by Northmoor Police"
        assert fact.summary == "" and fact.title == "" and fact.at is None


def test_the_police_see_the_links_behind_the_alert_described(police_officer, hub, newcomer):
    """The agency holding the intelligence reads each link: the report, the kind of link and
    both ends. Where one end is a person the reader may not see, the link stays a record
    held by the police."""
    link(police_officer, newcomer, hub["adult"])
    alert = network_alerts().get()
    facts = list(AlertFact.objects.filter(alert=alert))
    views, subjects = selectors.describe_facts(user("police.analyst"), facts)
    assert len(views) == 4 and all(v.shown for v in views)
    assert all(v.title.startswith("Intelligence INT-") for v in views)
    assert any(hub["adult"].given_name in v.summary for v in views)
    assert {s.record_type for s in subjects} == {"network.link"}
    views, subjects = selectors.describe_facts(user("mash.worker"), facts)
    assert not any(v.shown for v in views) and subjects == []


# ---------------------------------------------------------------- the back-test
def test_the_back_test_finds_the_same_alert(police_officer, hub, newcomer):
    link(police_officer, newcomer, hub["adult"])
    live = network_alerts().get()
    report = backtest_report([rules.rule(RULE)], since=TODAY - dt.timedelta(days=30), until=TODAY)
    mine = {newcomer.pk, hub["adult"].pk, *(c.pk for c in hub["children"])}
    by_person = {f.person_id: f for f in report.firings if f.person_id in mine}
    assert by_person[newcomer.pk].at.date() == LINKED_ON
    assert {f.source for f in by_person[newcomer.pk].facts} == {
        (f.source_type, f.source_id) for f in AlertFact.objects.filter(alert=live)
    }
    # Replayed, the three were at risk before any of the links' day, so the fourth child,
    # linked after them that day, is found too. Live, her link came before they were at
    # risk, and a change of risk is not evaluated until a link arrives: the back-test
    # shows what the live flow would have raised had it known then.
    dilys = hub["children"][3]
    assert set(by_person) == {newcomer.pk, dilys.pk}
    assert not network_alerts().filter(person=dilys).exists()


def test_the_back_test_does_not_see_a_risk_recorded_after_the_link(police_officer, newcomer):
    adult = make_person("Dorian", "Vexley", dt.date(1988, 2, 9), POLICE)
    children = [child("Ada", "Pellworth"), child("Bram", "Tolliver"), child("Cerys", "Oak")]
    for c in children:
        open_alert_about(c)  # each alert's day is its newest missing episode: 6 days ago
    early = TODAY - dt.timedelta(days=40)
    for c in children:
        link(police_officer, adult, c, on=early)
    link(police_officer, newcomer, adult, on=early)
    # live, what is known today counts: the child is alerted about now
    assert network_alerts().get().person == newcomer
    # replayed, forty days ago none of them was at risk yet
    report = backtest_report([rules.rule(RULE)], since=early, until=TODAY)
    mine = {newcomer.pk, adult.pk, *(c.pk for c in children)}
    assert [f for f in report.firings if f.person_id in mine] == []


# ---------------------------------------------------------------- the rule as data
def test_the_shipped_rule_says_what_it_counts():
    rule = rules.rule(RULE)
    assert (rule.about, rule.route, rule.status) == ("children", "exploitation_alert", "on")
    (condition,) = rule.when
    assert condition.kind == "network_link"
    assert condition.shared_by == (("other",),)
    assert condition.people_at_least == 4  # the child and three others
    assert condition.others_at_risk is True


NETWORK_RULE = """
[[rule]]
code = "around_an_adult"
version = 1
name = "Around an adult"
description = "Linked to an adult around other children."
status = "off"
severity = "high"
route = "exploitation_alert"
window_days = 30

[[rule.when]]
kind = "network_link"
{extra}

[[rule.tasks]]
agency_kind = "police"
text = "Look at it."
due_working_days = 1
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('others_at_risk = "yes"', "when[1].others_at_risk: must be true or false"),
        ("others_at_risk = true", "when[1].others_at_risk: only means something with shared_by"),
    ],
)
def test_a_bad_others_at_risk_is_refused_naming_the_field(tmp_path, extra, problem):
    path = tmp_path / "mine.toml"
    path.write_text(NETWORK_RULE.format(extra=extra), encoding="utf-8")
    with pytest.raises(rules.RuleFileError) as refused:
        rules.load(path)
    assert f"mine.toml: rule around_an_adult: {problem}" in str(refused.value)


def test_a_network_rule_loads(tmp_path):
    path = tmp_path / "mine.toml"
    text = 'shared_by = "other"\npeople_at_least = 3\nothers_at_risk = true'
    path.write_text(NETWORK_RULE.format(extra=text), encoding="utf-8")
    (rule,) = rules.load(path)
    assert rule.watches == {"network_link"} and rule.when[0].others_at_risk
