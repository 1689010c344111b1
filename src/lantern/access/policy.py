"""Who may see and do what with records about people: the one place that decides.

The rules are the table in access/data/policy.csv, readable by anyone in the
partnership. This module decides a user's relationships to a record, and answers
two questions that must always agree:

- `can(user, action, record, purpose)`: may this user do this to this record?
- `people_visible_to(user, action)` (and the record, event and referral filters):
  the queryset of everything the user may do it to.

A referral (frontdoor.Referral) has relationships of its own: the agency that made
it holds it; the front door it was sent to works on it; an agency the front door
asked for information has an open request about it. None of these reaches the
person's file: that needs a relationship to the person.

A record the user may not see does not exist for them: views answer 404, and it
never shows in a list, a search, a count, an export or an alert.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from lantern.core import clock
from lantern.core.datafiles import DataFileError
from lantern.people.models import Event, Person, Sensitivity, SourceRecord

from .models import RECORDED, AccessBasis, Relationship

POLICY_FILE = Path(__file__).parent / "data" / "policy.csv"
ACTIONS = frozenset({"view", "list", "search", "export", "api", "edit"})
RECORD_TYPES = (
    "person",
    "source_record",
    "event",
    "referral",
    "intelligence",
    "intelligence_summary",
    "investigation",
    "bail_condition",
    "support_plan",
    "voice_feedback",
)
# Records an agency holds as a whole, not through a person: network intelligence reports
# and the summaries of them shared with another agency; investigations, and the bail
# conditions the police share with an agency that needs them; survivors' support plans,
# held by their lead agency; feedback from children, families and survivors, held by the
# agency whose worker wrote it down. Only holds_record reaches them.
AGENCY_RECORD_TYPES = {
    "intelligence": ("network", "IntelligenceReport"),
    "intelligence_summary": ("network", "SharedSummary"),
    "investigation": ("justice", "Investigation"),
    "bail_condition": ("justice", "BailCondition"),
    "support_plan": ("support", "SupportPlan"),
    "voice_feedback": ("voice", "Feedback"),
}
SENSITIVITIES = tuple(Sensitivity.values)

# Which record a check is about (or a frontdoor.Referral: the front door builds on access,
# so access names it only through the app registry).
Record = Person | SourceRecord | Event


def _referral_model():
    return apps.get_model("frontdoor", "Referral")


def _request_model():
    return apps.get_model("frontdoor", "InformationRequest")


@dataclass(frozen=True)
class Rule:
    role: str
    relationship: str
    record_type: str
    sensitivity: str
    actions: frozenset[str]


class PolicyTable:
    """The policy table: (role, relationship, record type, sensitivity) -> actions."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = {
            (r.role, r.relationship, r.record_type, r.sensitivity): r.actions for r in rules
        }
        self._mentioned = {(role, rel) for role, rel, _, _ in self.rules}

    @classmethod
    def load(cls, path: Path = POLICY_FILE) -> PolicyTable:
        from lantern.core.datafiles import load_entries
        from lantern.partners.reference import ROLE_FIELDS, ROLES_FILE

        roles = {entry["code"] for entry in load_entries(ROLES_FILE, "role", ROLE_FIELDS)}
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        reader = csv.DictReader(lines)
        expected = ["role", "relationship", "record", *SENSITIVITIES]
        if reader.fieldnames != expected:
            raise DataFileError(f"{path.name}: the columns must be {', '.join(expected)}")
        rules, seen = [], set()
        for number, row in enumerate(reader, start=2):
            where = f"{path.name}: row {number}"
            if row["role"] not in roles:
                raise DataFileError(f"{where}: unknown role {row['role']!r}")
            if row["relationship"] not in Relationship.values:
                raise DataFileError(f"{where}: unknown relationship {row['relationship']!r}")
            if row["record"] not in RECORD_TYPES:
                raise DataFileError(f"{where}: unknown record type {row['record']!r}")
            key = (row["role"], row["relationship"], row["record"])
            if key in seen:
                raise DataFileError(f"{where}: {', '.join(key)} appears twice")
            seen.add(key)
            for sensitivity in SENSITIVITIES:
                actions = frozenset((row[sensitivity] or "").split())
                if actions - ACTIONS:
                    raise DataFileError(
                        f"{where}: unknown action(s) {', '.join(sorted(actions - ACTIONS))}"
                    )
                if actions:
                    rules.append(Rule(*key, sensitivity, actions))
        return cls(rules)

    def allows(
        self, role: str, relationship: str, record_type: str, sensitivity: str, action: str
    ) -> bool:
        return action in self.rules.get((role, relationship, record_type, sensitivity), ())

    def mentions(self, role: str, relationship: str) -> bool:
        """Whether any row gives this role anything through this relationship."""
        return (role, relationship) in self._mentioned

    def relationships_allowing(
        self, role: str, record_type: str, sensitivity: str, action: str
    ) -> list[str]:
        return [
            rel
            for rel in Relationship.values
            if self.allows(role, rel, record_type, sensitivity, action)
        ]


@functools.cache
def table() -> PolicyTable:
    return PolicyTable.load()


# ---------------------------------------------------------------- who the user is
def _role_code(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    role = user.role
    return role.code if role and role.sees_case_data else None


def sees_case_data(user) -> bool:
    return _role_code(user) is not None


def is_front_door(user) -> bool:
    membership = getattr(user, "membership", None)
    return bool(membership and membership.team and membership.team.is_front_door)


# ---------------------------------------------------------------- relationships
def _active_bases(now) -> Q:
    return Q(starts_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def _basis_filter(user, kind: str, now) -> Q | None:
    """The AccessBasis rows by which `user` has relationship `kind`, or None if impossible."""
    team = user.membership.team if user.membership else None
    active = _active_bases(now) & Q(kind=kind)
    if kind in (Relationship.ALLOCATED_WORKER, Relationship.GRANT, Relationship.BREAK_GLASS):
        return active & Q(user=user)
    if kind == Relationship.ALLOCATED_TEAM:
        return active & Q(team=team) if team else None
    if kind == Relationship.FRONT_DOOR:
        return active if team and team.is_front_door else None
    raise ValueError(kind)


def _involved_agency_q(agency, person_ref: str) -> Q:
    """The people whose casework the agency takes part in now (casework.access decides:
    invited to a meeting of an open case, owning an open action, in an open plan's core
    group). Named through the app, as casework builds on access."""
    from lantern.casework.access import involved_agency_q

    return involved_agency_q(agency, person_ref)


def _alert_q(user, relationship: str, person_ref: str) -> Q | None:
    """The people an open alert puts before the user's team (`alert`), or about whom the
    user's agency has an open task from an alert (`alert_task`). lantern.alerts.access
    decides, from the alerts themselves: each relationship ends by itself when the alert
    is closed or the task done. Named through the app, as alerts build on access."""
    from lantern.alerts.access import alert_q, alert_task_q

    if relationship == Relationship.ALERT:
        team = user.membership.team if user.membership else None
        return alert_q(team, person_ref) if team is not None else None
    return alert_task_q(user.agency, person_ref) if user.agency is not None else None


def _alert_relationships(user, person: Person) -> set[str]:
    """`alert` and `alert_task` to one person, in one query, for a role the table gives
    either to (for the others the answer cannot matter)."""
    role = _role_code(user)
    clauses = {
        kind: _alert_q(user, kind, "pk")
        for kind in (Relationship.ALERT, Relationship.ALERT_TASK)
        if role is not None and table().mentions(role, kind)
    }
    clauses = {kind: clause for kind, clause in clauses.items() if clause is not None}
    if not clauses:
        return set()
    row = (
        Person.objects.filter(pk=person.pk)
        .annotate(
            **{
                f"has_{kind}": ExpressionWrapper(clause, output_field=BooleanField())
                for kind, clause in clauses.items()
            }
        )
        .values_list(*(f"has_{kind}" for kind in clauses))
        .first()
    )
    return {kind for kind, there in zip(clauses, row or (), strict=False) if there}


def _person_relationship_q(user, relationship: str, now, person_ref: str) -> Q | None:
    """A filter on a queryset whose `person_ref` leads to Person, for one relationship."""
    if relationship == Relationship.INVOLVED_AGENCY:
        return _involved_agency_q(user.agency, person_ref) if user.agency is not None else None
    if relationship in (Relationship.ALERT, Relationship.ALERT_TASK):
        return _alert_q(user, relationship, person_ref)
    if relationship == Relationship.HOLDS_RECORD:
        if user.agency is None:
            return None
        held = SourceRecord.objects.filter(
            person=OuterRef(person_ref), agency=user.agency, is_current=True
        )
        return Q(Exists(held))
    basis = _basis_filter(user, relationship, now)
    if basis is None:
        return None
    return Q(Exists(AccessBasis.objects.filter(basis, person=OuterRef(person_ref))))


def person_relationships(user, person: Person) -> set[str]:
    """Every relationship the user has to the person now."""
    now = clock.now()
    found = set()
    if (
        user.agency is not None
        and SourceRecord.objects.filter(person=person, agency=user.agency, is_current=True).exists()
    ):
        found.add(Relationship.HOLDS_RECORD)
    if (
        user.agency is not None
        and Person.objects.filter(_involved_agency_q(user.agency, "pk"), pk=person.pk).exists()
    ):
        found.add(Relationship.INVOLVED_AGENCY)
    found |= _alert_relationships(user, person)
    for kind in RECORDED:
        basis = _basis_filter(user, kind, now)
        if basis is not None and AccessBasis.objects.filter(basis, person=person).exists():
            found.add(kind)
    return found


def record_relationships(user, record: SourceRecord | Event) -> set[str]:
    """Relationships to one agency's record: holding it, or a relationship to its person."""
    source = record if isinstance(record, SourceRecord) else record.source_record
    found = person_relationships(user, source.person) - {Relationship.HOLDS_RECORD}
    if user.agency is not None and source.agency_id == user.agency.pk:
        found.add(Relationship.HOLDS_RECORD)
    return found


def _open_requests(user) -> QuerySet | None:
    """The front door's requests to the user's agency that still wait for an answer, on
    referrals not yet decided: while one is open, the agency may read the child's details
    as referred, to search its own records."""
    if user.agency is None:
        return None
    return _request_model().objects.filter(
        agency=user.agency, status="open", referral__decided_at__isnull=True
    )


def referral_relationships(user, referral) -> set[str]:
    """Every relationship the user has to a referral now."""
    found = set()
    if user.agency is not None and referral.agency_id == user.agency.pk:
        found.add(Relationship.HOLDS_RECORD)
    if is_front_door(user) and referral.team_id == user.membership.team_id:
        found.add(Relationship.FRONT_DOOR)
    requests = _open_requests(user)
    if requests is not None and requests.filter(referral_id=referral.pk).exists():
        found.add(Relationship.INFORMATION_REQUEST)
    return found


def _referral_relationship_q(user, relationship: str) -> Q | None:
    if relationship == Relationship.HOLDS_RECORD:
        return Q(agency=user.agency) if user.agency is not None else None
    if relationship == Relationship.FRONT_DOOR:
        return Q(team_id=user.membership.team_id) if is_front_door(user) else None
    if relationship == Relationship.INFORMATION_REQUEST:
        requests = _open_requests(user)
        if requests is None:
            return None
        return Q(Exists(requests.filter(referral=OuterRef("pk"))))
    return None


# ---------------------------------------------------------------- the two questions
def can(user, action: str, record: Record, purpose: str = "") -> bool:
    """May `user` do `action` to `record`? (The purpose is recorded by the audit, not here.)"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = _role_code(user)
    if role is None:
        return False
    if isinstance(record, Person):
        return _person_can(user, role, action, record)
    agency_record = _agency_record_type(record)
    if agency_record is not None:
        return agency_record_permits(user, action, agency_record, record)
    if isinstance(record, _referral_model()):
        record_type, relationships = "referral", referral_relationships(user, record)
    elif isinstance(record, SourceRecord):
        record_type, relationships = "source_record", record_relationships(user, record)
    else:
        record_type, relationships = "event", record_relationships(user, record)
    policy = table()
    return any(
        policy.allows(role, rel, record_type, record.sensitivity, action) for rel in relationships
    )


def _person_can(user, role: str, action: str, person: Person) -> bool:
    """`can` for a person: the relationships the table would accept, asked one at a time,
    the cheapest first, stopping at the first the user has. The same answer as asking
    `person_relationships` for all of them (tests/access/test_policy.py checks both against
    the queryset filters), with a query or two instead of seven for most checks."""
    policy = table()

    def accepts(relationship: str) -> bool:
        return policy.allows(role, relationship, "person", person.sensitivity, action)

    if (
        accepts(Relationship.HOLDS_RECORD)
        and user.agency is not None
        and SourceRecord.objects.filter(person=person, agency=user.agency, is_current=True).exists()
    ):
        return True
    now = clock.now()
    for kind in RECORDED:
        if accepts(kind):
            basis = _basis_filter(user, kind, now)
            if basis is not None and AccessBasis.objects.filter(basis, person=person).exists():
                return True
    for kind in (Relationship.INVOLVED_AGENCY, Relationship.ALERT, Relationship.ALERT_TASK):
        if accepts(kind):
            clause = _person_relationship_q(user, kind, now, "pk")
            if clause is not None and Person.objects.filter(clause, pk=person.pk).exists():
                return True
    return False


def _agency_record_type(record) -> str | None:
    label = (record._meta.app_label, record._meta.object_name)
    return next((t for t, model in AGENCY_RECORD_TYPES.items() if model == label), None)


def _holds_agency_record(user, record_type: str, record) -> bool:
    if user.agency is None:
        return False
    if record_type == "intelligence_summary":
        return record.agency_id == user.agency.pk or (
            record.recipient_id == user.agency.pk and record.withdrawn_at is None
        )
    if record_type == "bail_condition":
        return (
            record.agency_id == user.agency.pk
            or record.shared_with.filter(pk=user.agency.pk).exists()
        )
    return record.agency_id == user.agency.pk


def agency_record_permits(user, action: str, record_type: str, record) -> bool:
    """`can` for an intelligence report or a shared summary."""
    role = _role_code(user)
    return (
        role is not None
        and _holds_agency_record(user, record_type, record)
        and table().allows(role, Relationship.HOLDS_RECORD, record_type, record.sensitivity, action)
    )


def holds_any(user, action: str, record_type: str) -> bool:
    """Whether the user's role may `action` records of this agency-held type (intelligence,
    shared summaries) at any sensitivity: whether the pages and forms for them apply."""
    role = _role_code(user)
    return (
        role is not None
        and user.agency is not None
        and any(
            table().allows(role, Relationship.HOLDS_RECORD, record_type, s, action)
            for s in SENSITIVITIES
        )
    )


def agency_records_visible_to(user, action: str, record_type: str) -> QuerySet:
    """Every intelligence report (or shared summary) the user may do `action` to."""
    model = apps.get_model(*AGENCY_RECORD_TYPES[record_type])
    return model.objects.filter(agency_record_q(user, action, record_type))


def agency_record_q(user, action: str, record_type: str, prefix: str = "") -> Q:
    """The filter behind `agency_records_visible_to`, for a queryset whose `prefix` leads
    to the record (a network link filters its reports through "report__")."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = _role_code(user)
    nothing = Q(pk__in=[])
    if role is None or user.agency is None:
        return nothing
    if record_type == "intelligence_summary":
        held = Q(**{f"{prefix}agency": user.agency}) | Q(
            **{f"{prefix}recipient": user.agency, f"{prefix}withdrawn_at__isnull": True}
        )
    elif record_type == "bail_condition":
        shared = apps.get_model(*AGENCY_RECORD_TYPES[record_type]).shared_with.through
        held = Q(**{f"{prefix}agency": user.agency}) | Q(
            Exists(shared.objects.filter(bailcondition=OuterRef(f"{prefix}pk"), agency=user.agency))
        )
    else:
        held = Q(**{f"{prefix}agency": user.agency})
    allowed = [
        s
        for s in SENSITIVITIES
        if table().allows(role, Relationship.HOLDS_RECORD, record_type, s, action)
    ]
    return held & Q(**{f"{prefix}sensitivity__in": allowed}) if allowed else nothing


def person_permits(user, action: str, person: Person, relationships: set[str]) -> bool:
    """`can` for a person whose relationships to the user are already known."""
    role = _role_code(user)
    return role is not None and any(
        table().allows(role, rel, "person", person.sensitivity, action) for rel in relationships
    )


def people_visible_to(user, action: str = "view") -> QuerySet[Person]:
    """Every person the user may do `action` to."""
    return Person.objects.filter(_filter(user, action, "person", person_ref="pk"))


def people_visible_among(user, ids: Iterable[int], action: str = "view") -> set[int]:
    """Which of these people the user may do `action` to: the same answer as
    `people_visible_to(user, action).filter(pk__in=ids)`, asking first the cheapest
    relationship (the user's agency holds a record of them) and the whole policy only for
    the rest (tests/access/test_policy.py proves they agree)."""
    ids = set(ids)
    role = _role_code(user)
    if not ids or role is None:
        return set()
    held_at = [
        s
        for s in SENSITIVITIES
        if table().allows(role, Relationship.HOLDS_RECORD, "person", s, action)
    ]
    found: set[int] = set()
    if held_at and user.agency is not None:
        held = SourceRecord.objects.filter(
            person=OuterRef("pk"), agency=user.agency, is_current=True
        )
        found = set(
            Person.objects.filter(Exists(held), pk__in=ids, sensitivity__in=held_at).values_list(
                "pk", flat=True
            )
        )
    rest = ids - found
    if rest:
        found |= set(
            people_visible_to(user, action).filter(pk__in=rest).values_list("pk", flat=True)
        )
    return found


def source_records_visible_to(user, action: str = "view") -> QuerySet[SourceRecord]:
    return SourceRecord.objects.filter(_filter(user, action, "source_record", person_ref="person"))


def events_visible_to(user, action: str = "view") -> QuerySet[Event]:
    return Event.objects.filter(
        _filter(
            user,
            action,
            "event",
            person_ref="source_record__person",
            agency_ref="source_record__agency",
        )
    )


def referrals_visible_to(user, action: str = "view") -> QuerySet:
    """Every referral the user may do `action` to."""
    return _referral_model().objects.filter(_filter(user, action, "referral", person_ref=""))


def person_events_visible_to(
    user, action: str, person: Person, relationships: set[str]
) -> QuerySet[Event]:
    """`events_visible_to(user, action)` narrowed to one person whose relationships to the
    user are already known (`person_relationships`): allowed through one of those
    relationships, or through the user's agency having recorded the event. The same
    answer without building and running the per-person subqueries again for every event
    (tests/chronology/test_selectors.py proves they agree)."""
    if not sees_case_data(user):
        return Event.objects.none()
    role, policy = user.role.code, table()
    through_person = relationships - {Relationship.HOLDS_RECORD}
    any_event, own_events = [], []
    for sensitivity in SENSITIVITIES:
        if any(policy.allows(role, rel, "event", sensitivity, action) for rel in through_person):
            any_event.append(sensitivity)
        elif user.agency is not None and policy.allows(
            role, Relationship.HOLDS_RECORD, "event", sensitivity, action
        ):
            own_events.append(sensitivity)
    return Event.objects.filter(
        Q(sensitivity__in=any_event)
        | Q(sensitivity__in=own_events, source_record__agency=user.agency),
        source_record__person=person,
    )


def _filter(
    user, action: str, record_type: str, *, person_ref: str, agency_ref: str = "agency"
) -> Q:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = _role_code(user)
    nothing = Q(pk__in=[])
    if role is None:
        return nothing
    now = clock.now()
    policy = table()
    allowed = nothing
    for sensitivity in SENSITIVITIES:
        relationships = policy.relationships_allowing(role, record_type, sensitivity, action)
        any_relationship = nothing
        for relationship in relationships:
            if record_type == "referral":
                clause = _referral_relationship_q(user, relationship)
            elif relationship == Relationship.HOLDS_RECORD and record_type != "person":
                clause = Q(**{agency_ref: user.agency}) if user.agency else None
            else:
                clause = _person_relationship_q(user, relationship, now, person_ref)
            if clause is not None:
                any_relationship |= clause
        allowed |= Q(sensitivity=sensitivity) & any_relationship
    return allowed


# ---------------------------------------------------------------- field masks
def may_see_confidential_address(user, source: SourceRecord, relationships: set[str]) -> bool:
    """A confidential address (a victim's new address) is shown only to the agency that
    holds it and to the person's allocated worker. `relationships` are the user's
    relationships to the record's person (from `person_relationships`)."""
    if user.agency is not None and source.agency_id == user.agency.pk:
        return True
    return Relationship.ALLOCATED_WORKER in relationships


def address_hidden_from(user, person: Person) -> bool:
    """Whether every address of the person is hidden from the user: her safe-contact settings
    say someone may be seeking her, and the user is not her lead worker on an open support
    plan. Nobody else sees it, whatever their other relationships (lantern.support decides)."""
    from lantern.support.access import address_hidden_from as hidden

    return hidden(user, person)


def hidden_addresses_among(user, person_ids: Iterable[int]) -> set[int]:
    """The people among `person_ids` whose every address is hidden from the user, as
    `address_hidden_from` decides for one: for lists and exports, a fixed number of
    queries however many people they show."""
    from lantern.support.access import hidden_addresses_among as hidden

    return hidden(user, person_ids)


def address_hidden_q(user, person_ref: str = "pk") -> Q:
    """A filter matching the people whose addresses are hidden from the user (`person_ref`
    names the person from the filtered model): the queryset form of `address_hidden_from`,
    so that a search by postcode never finds her there. The two must agree (tested)."""
    safe_contact = apps.get_model("support", "SafeContact")
    plan = apps.get_model("support", "SupportPlan")
    later = safe_contact.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )
    in_force_hiding = safe_contact.objects.filter(
        person_id=OuterRef(person_ref), hide_address=True
    ).filter(~Exists(later))
    hidden = Q(Exists(in_force_hiding))
    if getattr(user, "pk", None):
        led = plan.objects.filter(
            person_id=OuterRef(person_ref), lead_worker_id=user.pk, ended_at__isnull=True
        )
        hidden &= ~Q(Exists(led))
    return hidden


def addresses_shown(user, source: SourceRecord, relationships: set[str], *, hidden: bool):
    """The addresses of a source record the user may read: none when the person's addresses
    are hidden from the user (`hidden`, from `address_hidden_from`), else every one but the
    confidential ones the user may not see. Prefetch `addresses` on the record."""
    if hidden:
        return []
    everything = list(source.addresses.all())
    if may_see_confidential_address(user, source, relationships):
        return everything
    return [a for a in everything if not a.confidential]
