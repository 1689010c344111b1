"""The patterns planted in the borough, with their ground truth.

- Exploitation groups: children from different households, each linked over
  months to the same adults, vehicles and places, with missing episodes that
  become more frequent, school absence, and sexual health attendances. Each
  agency sees only its own fragment.
- Domestic-abuse escalation: a woman leaves her partner; incidents escalate; he
  holds a shotgun certificate, plans, and consumes violent misogynist content.
- Twins and siblings: different children who look alike on paper and must never
  be merged.

Ground truth for early identification: every person planted at risk has the day of a
planted serious harm (`ScenarioMember.harm_on`), and an alert is early if it comes before
that day (`synth.selectors.at_risk`).

- An exploited child: a serious sexual offence reported to the police, late in their
  trajectory (in its last tenth, at least a week before the borough's today) and always
  after their first planted indicator. It is planted as a restricted police incident
  ("serious_harm": true in its details); there is no event type for a reported crime yet.
- The victim of a domestic-abuse escalation: the day he put his hands around her neck
  (non-fatal strangulation, the last of the post-separation incidents).
- The children in that household: the first post-separation incident at their address
  (he came to the house and would not leave): from then on they live with the danger.
- The perpetrator and the groups' adults carry no harm date.

The harm days and events are drawn from a generator of their own (seeded from the
borough's seed), so planting them changes nothing else in the borough.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import TYPE_CHECKING

from .borough import Individual, PlannedEvent
from .models import Scenario, ScenarioMember

if TYPE_CHECKING:
    from .services import _Loader

from . import names

POLICE = "northmoor-police"
COUNCIL = "kestrelford-childrens-services"
NHS = "kestrelford-nhs"
SURVIVORS = "harbour-survivors"


class _Group:
    def __init__(self, planner: ScenarioPlanner, number: int):
        b, rng = planner.loader.b, planner.rng
        self.code = f"exploitation-group-{number}"
        self.children_wanted = rng.randrange(5, 8)
        self.adults_wanted = rng.randrange(2, 4)
        self.vehicles = sorted({b.vrm() for _ in range(2)})
        self.places = rng.sample(names.PLACES_OF_CONCERN, 3)
        self.start = b.today - dt.timedelta(days=rng.randrange(420, 600))
        self.adults: list[tuple[Individual, int]] = []  # (individual, police record id)
        self.children: list[Individual] = []
        self.harm: dict[int, dt.date] = {}  # child's key -> the day of the planted harm

    @property
    def needs_adults(self) -> bool:
        return len(self.adults) < self.adults_wanted

    @property
    def needs_children(self) -> bool:
        return not self.needs_adults and len(self.children) < self.children_wanted


class ScenarioPlanner:
    def __init__(self, loader: _Loader):
        self.loader = loader
        self.rng = loader.rng
        # The harm planted as ground truth draws from its own generator, so that adding it
        # leaves every other record and event of the borough as it was.
        self.harm_rng = random.Random(loader.b.seed * 1_000_003 + 6)
        self.planted: set[int] = set()  # keys of everyone a scenario took
        people = loader.b.target
        self.groups = [_Group(self, i + 1) for i in range(max(2, min(60, people // 25_000)))]
        self.abuse_wanted = max(1, min(40, people // 50_000))
        self.abuse_done: list[tuple[str, dict, list[tuple[int, str, dt.date | None]]]] = []
        self.pairs: list[tuple[str, str, list[int]]] = []

    # ------------------------------------------------------------------ choosing
    def _chance(self, wanted: int, rate: float) -> float:
        b = self.loader.b
        households_left = max(1.0, (b.target - b.next_key) / 2.4)
        return min(1.0, 4 * wanted / max(1.0, households_left * rate))

    def consider(self, household: list[Individual], placed: dict) -> None:
        rng, today = self.rng, self.loader.b.today
        adults = [m for m in household if m.role == "adult"]
        children = [m for m in household if m.role == "child"]
        self._twins_and_siblings(children)
        group = next((g for g in self.groups if g.needs_adults), None)
        if (
            group
            and len(household) == 1
            and adults[0].sex == "M"
            and 20 <= adults[0].age(today) <= 45
            and rng.random() < self._chance(group.adults_wanted - len(group.adults), 0.08)
        ):
            self._plant_adult(group, adults[0], placed)
            return
        group = next((g for g in self.groups if g.needs_children), None)
        teens = [c for c in children if 12 <= c.age(today) <= 16]
        if (
            group
            and teens
            and rng.random() < self._chance(group.children_wanted - len(group.children), 0.2)
        ):
            self._plant_child(group, teens[0], placed)
            return
        if (
            len(self.abuse_done) < self.abuse_wanted
            and len(adults) == 2
            and children
            and {a.sex for a in adults} == {"F", "M"}
            and rng.random() < self._chance(self.abuse_wanted - len(self.abuse_done), 0.3)
        ):
            self._plant_abuse(adults, children, placed)

    def _twins_and_siblings(self, children: list[Individual]) -> None:
        for first, second in itertools.pairwise(children):
            if first.dob == second.dob:
                self.pairs.append(("twins", f"twins-{first.key}", [first.key, second.key]))
            elif first.key % 50 == 0:
                self.pairs.append(("siblings", f"siblings-{first.key}", [first.key, second.key]))

    def _ensure(
        self, person: Individual, agency: str, placed: dict, sensitivity: str = "normal"
    ) -> int:
        existing = placed.get(person.key, {}).get(agency)
        if existing:
            return existing[0]
        return self.loader.record(person, agency, sensitivity=sensitivity, placed=placed)[0]

    def _at(self, day: dt.date, hour: int, rng: random.Random | None = None) -> dt.datetime:
        day = min(day, self.loader.b.today - dt.timedelta(days=1))
        minute = (rng or self.rng).randrange(60)
        return dt.datetime.combine(day, dt.time(hour % 24, minute), tzinfo=dt.UTC)

    # ------------------------------------------------------------------ exploitation
    def _plant_adult(self, group: _Group, adult: Individual, placed: dict) -> None:
        loader, rng = self.loader, self.rng
        police = self._ensure(adult, POLICE, placed)
        group.adults.append((adult, police))
        self.planted.add(adult.key)
        for vehicle in group.vehicles:
            day = group.start + dt.timedelta(days=rng.randrange(0, 300))
            place_type, place = rng.choice(group.places)
            loader.event(
                police,
                PlannedEvent(
                    "",
                    "intelligence_report",
                    self._at(day, rng.randrange(18, 26)),
                    f"Seen driving {vehicle} near {place} with teenagers in the car",
                    place=place,
                    details={"vehicle": vehicle, "grading": "B2", "place_type": place_type},
                ),
            )

    def _plant_child(self, group: _Group, child: Individual, placed: dict) -> None:
        loader, rng, b = self.loader, self.rng, self.loader.b
        group.children.append(child)
        self.planted.add(child.key)
        indicators: list[dt.date] = []  # the day of every indicator planted for the child

        def plant(record_id: int, planned: PlannedEvent) -> None:
            indicators.append(planned.occurred_at.date())
            loader.event(record_id, planned)

        police = self._ensure(child, POLICE, placed)
        council = self._ensure(child, COUNCIL, placed)
        nhs = self._ensure(child, NHS, placed)
        school = next(
            (v[0] for k, v in placed.get(child.key, {}).items() if k in loader.school_index), None
        )
        months = max(1, (b.today - group.start).days // 30)
        for month in range(months):
            chance = 0.03 + 0.7 * (month / months) ** 2  # more often as the months go by
            if rng.random() < chance:
                day = group.start + dt.timedelta(days=month * 30 + rng.randrange(30))
                start = self._at(day, rng.randrange(17, 23))
                place_type, place = rng.choice(group.places)
                plant(
                    police,
                    PlannedEvent(
                        "",
                        "missing_episode",
                        start,
                        f"Missing overnight; found near {place}",
                        ended_at=start + dt.timedelta(hours=rng.randrange(5, 30)),
                        place=place,
                        details={
                            "risk_grade": rng.choice(["medium", "medium", "high"]),
                            "found_at": place,
                            "place_type": place_type,
                        },
                    ),
                )
        for _ in range(rng.randrange(2, 5)):
            adult, _record = rng.choice(group.adults)
            vehicle = rng.choice(group.vehicles)
            place_type, place = rng.choice(group.places)
            day = group.start + dt.timedelta(days=rng.randrange(60, (b.today - group.start).days))
            plant(
                police,
                PlannedEvent(
                    "",
                    "found_with_adult",
                    self._at(day, rng.randrange(0, 4) + 24),
                    f"Found in car {vehicle} with an adult man in the early hours near {place}",
                    place=place,
                    details={
                        "vehicle": vehicle,
                        "adult": f"{adult.given} {adult.family}",
                        "adult_dob": adult.dob.isoformat(),
                        "place_type": place_type,
                    },
                ),
            )
        if school:
            for _ in range(rng.randrange(2, 4)):
                start = self._at(b.today - dt.timedelta(days=rng.randrange(14, 180)), 9)
                days = rng.randrange(3, 10)
                plant(
                    school,
                    PlannedEvent(
                        "",
                        "school_absence_run",
                        start,
                        f"Absent without explanation for {days} school days",
                        ended_at=start + dt.timedelta(days=days),
                    ),
                )
            plant(
                school,
                PlannedEvent(
                    "",
                    "school_concern",
                    self._at(b.today - dt.timedelta(days=rng.randrange(20, 120)), 11),
                    "Seen getting into a car with an older man after school; new phone and clothes",
                ),
            )
        for _ in range(rng.randrange(1, 3)):
            plant(
                nhs,
                PlannedEvent(
                    "",
                    "sexual_health_attendance",
                    self._at(b.today - dt.timedelta(days=rng.randrange(10, 300)), 15),
                    "Attended for emergency contraception; would not say who with",
                ),
            )
        plant(
            nhs,
            PlannedEvent(
                "",
                "ed_attendance",
                self._at(b.today - dt.timedelta(days=rng.randrange(10, 200)), 26),
                "Brought in intoxicated at 2am by an unknown adult who left",
            ),
        )
        plant(
            council,
            PlannedEvent(
                "",
                "contact_with_social_care",
                self._at(b.today - dt.timedelta(days=rng.randrange(5, 90)), 10),
                "Police notification after missing episode; older associates suspected",
            ),
        )
        self._plant_harm(group, child, police, min(indicators))

    def _plant_harm(self, group: _Group, child: Individual, police: int, first: dt.date) -> None:
        """The serious harm the indicators were leading to: in the last tenth of the
        child's trajectory, a week or more before today, after the first indicator."""
        rng, today = self.harm_rng, self.loader.b.today
        span = (today - group.start).days
        day = today - dt.timedelta(days=rng.randrange(7, max(8, span // 10)))
        day = max(day, first + dt.timedelta(days=1))
        hotel = next((p for p in group.places if p[0] == "hotel"), None)
        if hotel and rng.random() < 0.5:
            place = hotel[1]
            summary = (
                f"Found in a room at {place} with adult men; sexual offences against the "
                "child reported"
            )
        else:
            place = rng.choice(group.places)[1]
            summary = f"Serious sexual offence against the child reported; took place near {place}"
        when = self._at(day, rng.randrange(0, 24), rng)
        self.loader.event(
            police,
            PlannedEvent(
                "",
                "police_incident",
                when,
                summary,
                place=place,
                details={"offence": "sexual offence against a child", "serious_harm": True},
                sensitivity="restricted",
            ),
        )
        group.harm[child.key] = when.date()

    # ------------------------------------------------------------------ domestic abuse
    def _plant_abuse(
        self, adults: list[Individual], children: list[Individual], placed: dict
    ) -> None:
        loader, rng, b = self.loader, self.rng, self.loader.b
        victim = next(a for a in adults if a.sex == "F")
        abuser = next(a for a in adults if a.sex == "M")
        separated = b.today - dt.timedelta(days=rng.randrange(60, 150))
        victim_police = self._ensure(victim, POLICE, placed)
        abuser_police = self._ensure(abuser, POLICE, placed)
        victim_support = self._ensure(victim, SURVIVORS, placed, sensitivity="restricted")
        home = victim.home.postcode
        for days_before, text in [
            (700, "Argument at home; neighbours called police"),
            (300, "Victim had bruising to arm; declined to make a statement"),
        ]:
            loader.event(
                victim_police,
                PlannedEvent(
                    "",
                    "domestic_incident",
                    self._at(separated - dt.timedelta(days=days_before), 23),
                    text,
                    postcode=home,
                    place=victim.home.line1,
                ),
            )
        loader.event(
            victim_police,
            PlannedEvent(
                "",
                "relationship_separation",
                self._at(separated, 12),
                "Victim has ended the relationship and asked him to leave",
            ),
        )
        loader.event(
            victim_support,
            PlannedEvent(
                "",
                "relationship_separation",
                self._at(separated + dt.timedelta(days=3), 14),
                "Told her adviser she has left him and is frightened of what he will do",
            ),
        )
        escalation = [  # what happened, and whether it happened at her address
            ("Ex-partner came to the address uninvited and would not leave", True),
            ("Ex-partner followed her to the school gates; children present", False),
            ("Threats to kill sent by text message", False),
            ("Hands around her neck during an argument on the doorstep", True),
        ]
        gap = max(1, (b.today - separated).days - 2)
        incident_days = []
        for index, (text, at_home) in enumerate(escalation):
            day = separated + dt.timedelta(days=gap * (index + 1) // (len(escalation) + 1))
            when = self._at(day, 21 + index)
            incident_days.append(when.date())
            loader.event(
                victim_police,
                PlannedEvent(
                    "",
                    "domestic_incident",
                    when,
                    text,
                    postcode=home,
                    place=victim.home.line1 if at_home else "",
                    details={"suspect": f"{abuser.given} {abuser.family}"},
                ),
            )
        for index, (text, flags) in enumerate(
            [
                (
                    "Holds a shotgun certificate; two shotguns registered at his address",
                    {"firearms_certificate": True, "weapons_access": True},
                ),
                ("Searched online for her new address and bought cable ties", {"planning": True}),
                (
                    "Shares and comments on violent misogynist videos online",
                    {"online_content": "violent_misogyny"},
                ),
            ]
        ):
            day = separated + dt.timedelta(days=gap * (index + 1) // 4)
            loader.event(
                abuser_police,
                PlannedEvent(
                    "",
                    "intelligence_report",
                    self._at(day, 10),
                    text,
                    details={**flags, "grading": "B2"},
                ),
            )
        for _ in range(3):
            loader.event(
                victim_support,
                PlannedEvent(
                    "",
                    "support_session",
                    self._at(separated + dt.timedelta(days=rng.randrange(5, gap + 5)), 11),
                    "Safety planning session with her adviser",
                ),
            )
        for child in children:
            school = next(
                (v[0] for k, v in placed.get(child.key, {}).items() if k in loader.school_index),
                None,
            )
            if school:
                loader.event(
                    school,
                    PlannedEvent(
                        "",
                        "school_concern",
                        self._at(separated + dt.timedelta(days=rng.randrange(10, gap + 10)), 10),
                        "Child says dad keeps turning up and mum is scared",
                    ),
                )
        victim_person = placed[victim.key][POLICE][1]
        abuser_person = placed[abuser.key][POLICE][1]
        loader.relationships.add(
            (
                victim_person,
                abuser_person,
                "ex_partner",
                loader.agencies[POLICE].pk,
                None,
                separated,
            )
        )
        # The victim's harm is the strangulation (the last incident); the children's, the
        # first incident at their address after the separation.
        members = [(victim.key, "victim", incident_days[-1]), (abuser.key, "perpetrator", None)]
        members += [(c.key, "child in household", incident_days[0]) for c in children]
        self.planted.update(key for key, _role, _harm in members)
        code = f"domestic-abuse-{len(self.abuse_done) + 1}"
        facts = {
            "separated_on": separated.isoformat(),
            "address_postcode": home,
            "weapons": "shotgun certificate",
            "online_content": "violent misogyny",
            "first_incident_after_separation_on": incident_days[0].isoformat(),
            "strangulation_on": incident_days[-1].isoformat(),
        }
        self.abuse_done.append((code, facts, members))

    # ------------------------------------------------------------------ ground truth
    def truth(self) -> list[tuple[Scenario, list[tuple[int, str, dt.date | None]]]]:
        """The planted scenarios (not yet saved), each with its members as (individual,
        role, day of the planted harm or None)."""
        scenarios, members = [], []
        for group in self.groups:
            if not group.children:
                continue
            scenario = Scenario(
                code=group.code,
                kind=Scenario.Kind.EXPLOITATION_GROUP,
                title=f"Exploitation group {group.code.rsplit('-', 1)[1]}",
                description="Children from different households linked to the same adults, "
                "vehicles and places, with rising missing episodes.",
                facts={
                    "vehicles": group.vehicles,
                    "places": [p[1] for p in group.places],
                    "started_on": group.start.isoformat(),
                },
            )
            scenarios.append(scenario)
            members.append(
                [(a.key, "adult", None) for a, _ in group.adults]
                + [(c.key, "child", group.harm[c.key]) for c in group.children]
            )
        for code, facts, people in self.abuse_done:
            scenarios.append(
                Scenario(
                    code=code,
                    kind=Scenario.Kind.DOMESTIC_ABUSE_ESCALATION,
                    title=f"Domestic abuse escalation {code.rsplit('-', 1)[1]}",
                    description="Separation, escalating incidents, weapons, planning and violent "
                    "misogynist content: a danger several agencies each see part of.",
                    facts=facts,
                )
            )
            members.append(people)
        for kind, code, keys in self.pairs:
            scenarios.append(
                Scenario(
                    code=code,
                    kind=kind,
                    title=f"{kind.capitalize()} {keys[0]} and {keys[1]}",
                    description="Different children in the same household: never the same person.",
                    facts={},
                )
            )
            members.append([(key, "child", None) for key in keys])
        return list(zip(scenarios, members, strict=True))

    def finish(self) -> None:
        planted = self.truth()
        scenarios = [scenario for scenario, _people in planted]
        Scenario.objects.bulk_create(scenarios, batch_size=2000)
        saved = {s.code: s for s in Scenario.objects.all()}
        ScenarioMember.objects.bulk_create(
            [
                ScenarioMember(scenario=saved[s.code], individual=key, role=role, harm_on=harm)
                for s, people in planted
                for key, role, harm in people
            ],
            batch_size=5000,
        )
        self.loader.scenarios = scenarios
