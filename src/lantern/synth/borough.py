"""The synthetic borough of Kestrelford: households, agencies' records, events, scenarios.

Everything is drawn from one seeded random generator in a fixed order, so the same
seed and size always give the same borough. The generator yields plain rows; the
loader (`synth.services.borough_seed`) writes them.

What real systems get wrong is planted on purpose: typos, nicknames, swapped
given and family names, day and month swapped in a date of birth, old addresses
after a move, missing identifiers, and identifiers with a wrong check digit.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lantern.people.identifiers import make_pnc_id, make_upn, nhs_check_digit

from . import names

NICKNAMES_FILE = Path(__file__).resolve().parent.parent / "people" / "data" / "nicknames.csv"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# A UK postcode covers about 15 addresses. The borough grows its streets with its size so
# that a street (and its postcode) holds about this many households whatever the borough's
# size, and two households rarely share an address: a bigger borough has more streets, not
# more crowded ones. Each street drawn is the first of its `street_parts` streets: the others
# are named after it ("Upper Alder Close") and have postcodes of their own.
HOUSEHOLDS_PER_STREET = 12
STREET_QUALIFIERS = [
    "",
    "Upper",
    "Lower",
    "New",
    "Old",
    "Little",
    "Great",
    "North",
    "South",
    "East",
    "West",
    "Middle",
    "High",
    "Far",
    "Near",
    "Long",
    "Nether",
    "Over",
]
VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"


def nickname_table() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    with NICKNAMES_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            if row:
                table[row[0].strip().lower()] = [n.strip().lower() for n in row[1:] if n.strip()]
    return table


@dataclass
class Home:
    line1: str
    postcode: str
    neighbourhood: str


@dataclass
class Individual:
    key: int
    given: str
    family: str
    sex: str
    dob: dt.date
    nhs: str
    home: Home
    household: int
    previous_home: Home | None = None
    moved_on: dt.date | None = None
    role: str = "adult"  # adult or child
    parents: list[int] = field(default_factory=list)
    partner: int | None = None

    def age(self, on: dt.date) -> int:
        return on.year - self.dob.year - ((on.month, on.day) < (self.dob.month, self.dob.day))


@dataclass
class AgencyRecord:
    """One agency's record of one individual, with the agency's own errors in it."""

    agency: str
    local_id: str
    individual: int
    given: str
    family: str
    dob: dt.date | None
    sex: str
    identifiers: dict[str, str]
    home: Home
    previous_home: Home | None
    moved_on: dt.date | None
    sensitivity: str = "normal"
    other_names: str = ""


@dataclass
class PlannedEvent:
    agency_record: str  # "agency:local_id"
    event_type: str
    occurred_at: dt.datetime
    summary: str
    ended_at: dt.datetime | None = None
    postcode: str = ""
    place: str = ""
    details: dict = field(default_factory=dict)
    sensitivity: str | None = None


@dataclass
class PlannedScenario:
    code: str
    kind: str
    title: str
    description: str
    facts: dict
    members: list[tuple[int, str]]


class Borough:
    """Draws the borough. Iterate `households()` first, then records, events, scenarios."""

    def __init__(self, *, people: int, seed: int, today: dt.date):
        self.target = people
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.nicknames = nickname_table()
        self.streets = self._streets()
        households = people / 3.1  # the households below hold about 3.1 people each
        self.street_parts = min(
            len(names.STREET_KINDS) * len(STREET_QUALIFIERS),
            max(1, math.ceil(households / (len(self.streets) * HOUSEHOLDS_PER_STREET))),
        )
        self.next_key = 1
        self.next_household = 1
        self.nhs_serial = self.rng.randrange(400_000_000, 600_000_000)
        self.schools = self._school_plan()
        self.schools_by_age: dict[int, list[str]] = {}
        for code, _name, lowest, highest in self.schools:
            for age in range(lowest, highest + 1):
                self.schools_by_age.setdefault(age, []).append(code)
        self.agency_counters: dict[str, int] = {}
        self.upn_serials: dict[tuple[int, int], int] = {}

    # ---------------------------------------------------------------- places
    def _streets(self) -> list[tuple[str, str, str]]:
        rng = self.rng
        streets = []
        for outward in range(1, 10):
            hood = names.NEIGHBOURHOODS[outward - 1]
            for street in rng.sample(names.STREETS, 24):
                kind = rng.choice(names.STREET_KINDS)
                sector = rng.randrange(1, 10)
                inward_tail = rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
                postcode = f"{names.POSTCODE_AREA}{outward} {sector}{inward_tail}"
                streets.append((f"{street} {kind}", postcode, hood))
        return streets

    def _home(self, household: int) -> Home:
        index = self.rng.randrange(len(self.streets))  # as rng.choice(self.streets) draws
        street, postcode, hood = self.streets[index]
        number = self.rng.randrange(1, 240)
        flat = f"Flat {self.rng.randrange(1, 9)}, " if self.rng.random() < 0.12 else ""
        part = household % self.street_parts  # derived, not drawn: the same draws at any size
        if part:
            street, postcode = self._street_part(index, part)
        return Home(f"{flat}{number} {street}", postcode, hood)

    def _street_part(self, index: int, part: int) -> tuple[str, str]:
        """The name and postcode of the `part`th street grown from a drawn street."""
        name, postcode, _hood = self.streets[index]
        street, kind = name.rsplit(" ", 1)
        kinds = names.STREET_KINDS
        qualifier = STREET_QUALIFIERS[part // len(kinds)]
        kind = kinds[(kinds.index(kind) + part) % len(kinds)]
        # Within its district (24 drawn streets), every grown street has a postcode of its
        # own: sector 0 to 9 and two letters, counted from the drawn street's place.
        outward = postcode.split(" ")[0]
        slot = index % 24
        letters = len(INWARD_LETTERS)
        code = (slot * self.street_parts + part) % (10 * letters * letters)
        sector, rest = divmod(code, letters * letters)
        first, second = divmod(rest, letters)
        inward = f"{sector}{INWARD_LETTERS[first]}{INWARD_LETTERS[second]}"
        return f"{qualifier} {street} {kind}".strip(), f"{outward} {inward}"

    def _school_plan(self) -> list[tuple[str, str, int, int]]:
        """(code, name, lowest age, highest age), sized to the number of children."""
        children = max(self.target * 22 // 100, 1)
        primaries = max(1, children * 7 // 13 // 300)
        secondaries = max(1, children * 6 // 13 // 1000)
        plan = []
        hoods = names.NEIGHBOURHOODS
        for i in range(primaries):
            hood = hoods[i % len(hoods)].split()[0]
            plan.append((f"primary-{i + 1}", f"{hood} Primary School {i + 1}", 4, 10))
        for i in range(secondaries):
            hood = hoods[(i * 3) % len(hoods)].split()[0]
            plan.append((f"secondary-{i + 1}", f"{hood} Academy {i + 1}", 11, 17))
        return plan

    # ---------------------------------------------------------------- people
    def _nhs_number(self) -> str:
        while True:
            self.nhs_serial += self.rng.randrange(1, 9)
            first9 = f"{self.nhs_serial % 1_000_000_000:09d}"
            check = nhs_check_digit(first9)
            if check is not None:
                return first9 + str(check)

    def _dob(self, age: int) -> dt.date:
        year = self.today.year - age
        start = dt.date(year - 1, self.today.month, 1) + dt.timedelta(days=1)
        day = start + dt.timedelta(days=self.rng.randrange(0, 364))
        return min(day, self.today)

    def _individual(
        self, *, family: str, sex: str, age: int, home: Home, household: int, role: str
    ) -> Individual:
        given = self.rng.choice(names.GIVEN_FEMALE if sex == "F" else names.GIVEN_MALE)
        person = Individual(
            key=self.next_key,
            given=given,
            family=family,
            sex=sex,
            dob=self._dob(age),
            nhs=self._nhs_number(),
            home=home,
            household=household,
            role=role,
        )
        self.next_key += 1
        return person

    def households(self) -> Iterator[list[Individual]]:
        """Households until the borough holds the number of people asked for."""
        rng = self.rng
        while self.next_key <= self.target:
            household = self.next_household
            self.next_household += 1
            home = self._home(household)
            family = rng.choice(names.FAMILY)
            shape = rng.random()
            members: list[Individual] = []
            adults = 2 if shape < 0.60 else 1
            with_children = shape < 0.45 or 0.60 <= shape < 0.80
            first_age = rng.randrange(22, 48) if with_children else rng.randrange(19, 90)
            first_sex = (
                "F" if rng.random() < (0.85 if adults == 1 and with_children else 0.5) else "M"
            )
            members.append(
                self._individual(
                    family=family,
                    sex=first_sex,
                    age=first_age,
                    home=home,
                    household=household,
                    role="adult",
                )
            )
            if adults == 2:
                other_family = family if rng.random() < 0.7 else rng.choice(names.FAMILY)
                partner = self._individual(
                    family=other_family,
                    sex="M" if first_sex == "F" else "F",
                    age=max(18, first_age + rng.randrange(-5, 6)),
                    home=home,
                    household=household,
                    role="adult",
                )
                members[0].partner, partner.partner = partner.key, members[0].key
                members.append(partner)
            if with_children:
                parents = [m.key for m in members]
                count = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
                youngest_parent = min(m.age(self.today) for m in members)
                ages = sorted(
                    rng.randrange(0, max(1, min(18, youngest_parent - 17))) for _ in range(count)
                )
                twins = count >= 2 and rng.random() < 0.03
                for index, age in enumerate(ages):
                    child = self._individual(
                        family=family,
                        sex=rng.choice("FM"),
                        age=age,
                        home=home,
                        household=household,
                        role="child",
                    )
                    if twins and index == 1:
                        child.dob = members[-1].dob  # the previous child: a twin
                    child.parents = parents
                    members.append(child)
            if rng.random() < 0.08:
                previous = self._home(household)
                moved = self.today - dt.timedelta(days=rng.randrange(30, 900))
                for member in members:
                    member.previous_home, member.moved_on = previous, moved
            yield members

    # ---------------------------------------------------------------- records
    def local_id(self, agency: str, prefix: str) -> str:
        number = self.agency_counters.get(agency, 0) + 1
        self.agency_counters[agency] = number
        return f"{prefix}{number:07d}"

    def garble(
        self, person: Individual, agency: str, *, error_rate: float, identifiers: dict[str, str]
    ) -> AgencyRecord:
        """The agency's version of the person, with the mistakes real records carry."""
        rng = self.rng
        given, family, dob = person.given, person.family, person.dob
        if rng.random() < error_rate:
            kind = rng.random()
            if kind < 0.35:
                given = _typo(rng, given) if rng.random() < 0.6 else given
                family = _typo(rng, family) if given == person.given else family
            elif kind < 0.65:
                shorts = self.nicknames.get(given.lower())
                if shorts:
                    given = rng.choice(shorts).capitalize()
                else:
                    given = _typo(rng, given)
            elif kind < 0.75:
                given, family = family, given
            elif kind < 0.92 and dob.day <= 12 and dob.day != dob.month:
                dob = dt.date(dob.year, dob.day, dob.month)
            else:
                dob = None if rng.random() < 0.5 else dob
        checked = dict(identifiers)
        for scheme, value in identifiers.items():
            roll = rng.random()
            if roll < 0.01:
                checked[scheme] = _wrong_check_digit(rng, value)
            elif roll < 0.01 + 0.5 * error_rate:
                del checked[scheme]
        knows_move = person.previous_home is None or rng.random() < 0.8
        return AgencyRecord(
            agency=agency,
            local_id="",
            individual=person.key,
            given=given,
            family=family,
            dob=dob,
            sex=person.sex,
            identifiers=checked,
            home=person.home if knows_move else person.previous_home,
            previous_home=person.previous_home if knows_move else None,
            moved_on=person.moved_on if knows_move else None,
        )

    def school_for(self, person: Individual) -> str | None:
        fitting = self.schools_by_age.get(person.age(self.today))
        if not fitting:
            return None
        return fitting[person.household % len(fitting)]

    def upn_for(self, person: Individual, school_index: int) -> str:
        year = (person.dob.year + 5) % 100
        serial = self.upn_serials.get((school_index, year), 0) + 1
        self.upn_serials[(school_index, year)] = serial
        return make_upn(la_code=931, estab=2000 + school_index, year=year, serial=serial % 1000)

    def pnc_for(self, person: Individual) -> str:
        return make_pnc_id(year=self.rng.randrange(0, 26), serial=person.key % 10_000_000)

    def when(self, *, days_back: int, min_days: int = 1) -> dt.datetime:
        day = self.today - dt.timedelta(
            days=self.rng.randrange(min_days, max(days_back, min_days + 1))
        )
        minutes = self.rng.randrange(0, 24 * 60)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=dt.UTC)

    def vrm(self) -> str:
        rng = self.rng
        return (
            rng.choice(VRM_LETTERS)
            + rng.choice(VRM_LETTERS)
            + f"{rng.randrange(10, 75):02d} "
            + "".join(rng.choice(VRM_LETTERS) for _ in range(3))
        )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # transpose
    if kind < 0.7:
        return word[:i] + word[i + 1 :]  # drop a letter
    return word[:i] + rng.choice("aeiouyn") + word[i + 1 :]  # wrong letter


def _wrong_check_digit(rng: random.Random, value: str) -> str:
    last = value[-1]
    if last.isdigit():
        return value[:-1] + str((int(last) + rng.randrange(1, 10)) % 10)
    alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return (
        value[:-1] + alphabet[(alphabet.index(last) + rng.randrange(1, 23)) % 23]
        if last in alphabet
        else value
    )
