"""Worrying-looking things that happen to people nobody planted: the borough's honest noise.

Without them only the planted children would ever go missing twice in a month, and every
alert would be right by construction. These are the patterns the alert rules look for,
drawn at about the rates they happen to children and households in England, in the last
two years of the borough's history (`YEARS`):

- Runaway spells (`RUNAWAY_SPELLS_PER_TEEN_YEAR`, 0.3% of 12 to 17 year olds a year): two
  to four missing episodes within about a month, children in care running from their
  placement or teenagers running from home. About 11% of looked-after children go missing
  in a year and two thirds of those more than once, and children also run from home; half
  of the spells (`RUNAWAY_ALSO_ABSENT`) come with a run of unexplained school absence in
  the same weeks.
- Clusters of emergency attendances (`ED_CLUSTERS_PER_CHILD_YEAR`, 0.8% of children a
  year): three or four attendances within three months (asthma, seizures, diabetes,
  sickle cell crises, injuries; now and then self-harm in teenagers). In England about one
  child in fifty attends an emergency department four or more times in a year.
- Unexplained absence (`ABSENCE_RUNS_PER_SECONDARY_PUPIL_YEAR`, 5% of secondary pupils a
  year): a run of three to eight days, on top of the runs every school records
  (`services._Loader._background_events`).
- Domestic incidents (`DOMESTIC_HOUSEHOLDS_YEAR`, 2.5% of households a year): the police
  in England and Wales record about 23 domestic abuse incidents and crimes a year for
  every 1,000 people (some 5 for every 100 households), about a third of them repeats, so
  3 to 4 households in 100 a year; 2.5 is the most the borough's police records can carry
  (a household with one adult has a police record 1 time in 20). In a third of the
  households (`DOMESTIC_REPEAT`) there is a second or third incident within the year; none
  escalates the way the planted escalations do. The incident's address is in its place,
  as the police record it.

- Where missing children are found, and cars the police notice (the network's noise,
  `NETWORK_*`): a missing child who is not planted is found, about half the time
  (`FOUND_AT_A_PLACE`), at a named public place, the bus station or the shopping centre,
  now and then a takeaway or the recreation ground where the planted groups also meet
  (a runaway from care returns to the same haunt, `SAME_HAUNT`); and the police note, in
  an intelligence report, an adult nobody planted seen driving a car near such a place
  (`CAR_SIGHTINGS_PER_POLICE_ADULT_YEAR`: taxi drivers at the taxi office, drivers
  collecting takeaways). These put innocent children and adults on the same places as
  the planted groups, so that finding the groups, and not inventing others, means
  something. Where a child is found is drawn from a generator of its own, so the events
  and their dates stay exactly as they were; only the sightings are new events.

Nothing here adds a record or a person, only events, so the borough's records (and the
linkage benchmarks that count them) stay as they were. Missing episodes and domestic
incidents go on police records, and the police hold a record of only a few people
(`POLICE_RECORD_*`): the chance for those people is scaled up so that the rate over the
whole population is the one above (`rate_for`). People a scenario planted are left out.
Everything is drawn from a generator of its own, seeded from the borough's seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Collection

from .borough import Individual, PlannedEvent

YEARS = 2
DAYS = 365 * YEARS

# The shares of people the police hold a record of (the loader draws them with these).
POLICE_RECORD_ADULT = 0.05  # 16 and over
POLICE_RECORD_YOUNG_TEEN = 0.03  # 12 to 15

RUNAWAY_SPELLS_PER_TEEN_YEAR = 0.003
RUNAWAY_ALSO_ABSENT = 0.5
ED_CLUSTERS_PER_CHILD_YEAR = 0.008
ABSENCE_RUNS_PER_SECONDARY_PUPIL_YEAR = 0.05
DOMESTIC_HOUSEHOLDS_YEAR = 0.025
DOMESTIC_REPEAT = 0.35
FOUND_AT_A_PLACE = 0.5
SAME_HAUNT = 0.7
CAR_SIGHTINGS_PER_POLICE_ADULT_YEAR = 0.01

# Where a missing child nobody planted is found, with weights: mostly ordinary public
# places; now and then one of the places of concern (names.PLACES_OF_CONCERN) where
# teenagers also go for innocent reasons.
FOUND_PLACES = [
    ("open_space", "Kestrelford bus station", 5),
    ("shop", "Westgate shopping centre", 4),
    ("open_space", "Canal Side towpath", 2),
    ("open_space", "Thornbury Park", 3),
    ("other", "Kestrelford railway station", 3),
    ("takeaway", "Golden Grill takeaway, Market Street", 1),
    ("takeaway", "Pizza Palace, Station Road", 1),
    ("open_space", "Underbank recreation ground", 1),
]
# Where the police notice a car nobody planted, with weights.
SIGHTING_PLACES = [
    ("taxi_base", "Vale Cars taxi office, Victoria Road", 4),
    ("takeaway", "Golden Grill takeaway, Market Street", 3),
    ("takeaway", "Pizza Palace, Station Road", 3),
    ("hotel", "Station Lodge Hotel, Canal Side", 1),
    ("open_space", "Kestrelford bus station", 2),
    ("shop", "Westgate shopping centre", 2),
    ("other", "Kestrelford railway station", 2),
]
VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"

POLICE = "northmoor-police"
NHS = "kestrelford-nhs"

RUNAWAY_SUMMARIES = [
    "Missing from their children's home overnight; returned by staff",
    "Did not return to their foster placement; found at a friend's house",
    "Ran away after an argument at home; found safe in town",
    "Missing overnight after a family row; came home the next morning",
]
ILLNESSES = {
    "young": ["Wheeze", "High temperature", "Vomiting and diarrhoea", "Swallowed a small object"],
    "child": ["Asthma attack", "Fall from play equipment", "Seizure", "Sickle cell crisis"],
    "teen": [
        "Asthma attack",
        "Sports injury",
        "Seizure",
        "Diabetic ketoacidosis",
        "Sickle cell crisis",
        "Self-harm: cuts to the forearm",
    ],
}
DOMESTIC_SUMMARIES = [
    "Verbal argument between partners; no offences disclosed",
    "Argument over child contact; police attended and gave advice",
    "Partner pushed her during an argument; no injuries; declined to support a prosecution",
    "Damage to property during an argument; partner left before police arrived",
    "Ex-partner shouting in the street outside the address; moved on by police",
]


def rate_for(rate_per_year: float, share_eligible: float) -> float:
    """The chance for one eligible person over `YEARS`, so that the population rate is
    `rate_per_year` when only `share_eligible` of the population can carry the event."""
    return min(1.0, rate_per_year * YEARS / share_eligible)


def police_record_share(age: int) -> float:
    return POLICE_RECORD_ADULT if age >= 16 else POLICE_RECORD_YOUNG_TEEN


class Background:
    """Plants the noise household by household, as the loader writes them."""

    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        event: Callable[[int, PlannedEvent], None],
        school_codes: Collection[str],
    ):
        self.rng = random.Random(seed * 1_000_003 + 11)
        self.places_rng = random.Random(seed * 1_000_003 + 17)  # the network's noise
        self.today = today
        self.event = event
        self.school_codes = set(school_codes)
        self.counts: Counter[str] = Counter()  # what was planted, and over how many people

    # ---------------------------------------------------------------- helpers
    def _when(self, *, latest_back: int, earliest_back: int = 1) -> dt.datetime:
        """A moment between `latest_back` and `earliest_back` days before today."""
        back = self.rng.randrange(earliest_back, max(latest_back, earliest_back + 1))
        minutes = self.rng.randrange(24 * 60)
        day = self.today - dt.timedelta(days=back)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=dt.UTC)

    def _days_since_age(self, person: Individual, age: int) -> int:
        """Days since the person turned `age` (0 if they have not)."""
        try:
            birthday = person.dob.replace(year=person.dob.year + age)
        except ValueError:  # 29 February
            birthday = dt.date(person.dob.year + age, 3, 1)
        return max(0, (self.today - birthday).days)

    def _school(self, records: dict) -> tuple[int, int] | None:
        return next((v for k, v in records.items() if k in self.school_codes), None)

    def found_place(self) -> tuple[str, str] | None:
        """Where a missing child nobody planted was found: (place type, name), or None
        (came home, or found at a friend's)."""
        rng = self.places_rng
        if rng.random() >= FOUND_AT_A_PLACE:
            return None
        place_type, name, _ = rng.choices(FOUND_PLACES, weights=[p[2] for p in FOUND_PLACES])[0]
        return place_type, name

    def missing_details(self, details: dict, found: tuple[str, str] | None) -> dict:
        """A missing episode's details, with where the child was found when known."""
        if found is None:
            return details
        self.counts["missing_found_at_a_place"] += 1
        return {**details, "found_at": found[1], "place_type": found[0]}

    # ---------------------------------------------------------------- the household
    def household(
        self, household: list[Individual], placed: dict, *, skip: Collection[int] = ()
    ) -> None:
        people = [p for p in household if p.key not in skip]
        if len(people) < len(household):
            return  # a household a scenario took: its story is planted already
        for person in people:
            age = person.age(self.today)
            records = placed.get(person.key, {})
            if person.role != "child":
                continue
            self.counts["children"] += 1
            if self.rng.random() < rate_for(ED_CLUSTERS_PER_CHILD_YEAR, 1.0):
                self._ed_cluster(person, age, records)
            if 11 <= age <= 17 and self._school(records):
                self.counts["secondary_pupils"] += 1
                if self.rng.random() < rate_for(ABSENCE_RUNS_PER_SECONDARY_PUPIL_YEAR, 1.0):
                    self._absence(records, latest_back=DAYS)
                    self.counts["absence_runs"] += 1
            if 12 <= age <= 17:
                self.counts["teens"] += 1
                chance = rate_for(RUNAWAY_SPELLS_PER_TEEN_YEAR, police_record_share(age))
                if POLICE in records and self.rng.random() < chance:
                    self._runaway(person, records)
        adults = [p for p in people if p.role == "adult"]
        self.counts["households"] += 1
        with_record = [a for a in adults if POLICE in placed.get(a.key, {})]
        self._car_sightings(with_record, placed)
        if with_record:
            share = 1 - (1 - POLICE_RECORD_ADULT) ** len(adults)
            if self.rng.random() < rate_for(DOMESTIC_HOUSEHOLDS_YEAR, share):
                self._domestic(adults, with_record, placed)

    # ---------------------------------------------------------------- the patterns
    def _runaway(self, person: Individual, records: dict) -> None:
        latest = min(DAYS, self._days_since_age(person, 12))
        if latest < 40:
            return
        self.counts["runaway_spells"] += 1
        first = self._when(latest_back=latest, earliest_back=40)
        summary = self.rng.choice(RUNAWAY_SUMMARIES)
        days = sorted(self.rng.sample(range(0, 35), self.rng.choice([2, 2, 3, 4])))
        haunt = self.found_place()
        for number, offset in enumerate(days):
            start = first + dt.timedelta(days=offset, hours=self.rng.randrange(-3, 4))
            found = haunt
            if number and self.places_rng.random() >= SAME_HAUNT:
                found = self.found_place()
            self.event(
                records[POLICE][0],
                PlannedEvent(
                    "",
                    "missing_episode",
                    start,
                    summary,
                    ended_at=start + dt.timedelta(hours=self.rng.randrange(4, 30)),
                    place=found[1] if found else "",
                    details=self.missing_details(
                        {"risk_grade": self.rng.choice(["low", "medium", "medium"])}, found
                    ),
                ),
            )
        if self._school(records) and self.rng.random() < RUNAWAY_ALSO_ABSENT:
            self.counts["runaway_spells_with_absence"] += 1
            back = (self.today - first.date()).days
            self._absence(records, latest_back=back, earliest_back=max(1, back - 30))

    def _absence(self, records: dict, *, latest_back: int, earliest_back: int = 14) -> None:
        school = self._school(records)
        start = self._when(latest_back=latest_back, earliest_back=earliest_back)
        start = start.replace(hour=9, minute=0)
        days = self.rng.randrange(3, 9)
        self.event(
            school[0],
            PlannedEvent(
                "",
                "school_absence_run",
                start,
                f"Absent without explanation for {days} school days",
                ended_at=start + dt.timedelta(days=days),
            ),
        )

    def _ed_cluster(self, person: Individual, age: int, records: dict) -> None:
        nhs = records.get(NHS)
        latest = min(DAYS, (self.today - person.dob).days)
        if nhs is None or latest < 100:
            return
        self.counts["ed_clusters"] += 1
        kind = "young" if age < 5 else "child" if age < 12 else "teen"
        illness = self.rng.choice(ILLNESSES[kind])
        first = self._when(latest_back=latest, earliest_back=95)
        span = self.rng.randrange(20, 86)
        visits = 3 if self.rng.random() < 0.7 else 4
        offsets = sorted([0, span, *self.rng.sample(range(1, span), visits - 2)])
        for offset in offsets:
            self.event(
                nhs[0],
                PlannedEvent(
                    "",
                    "ed_attendance",
                    first + dt.timedelta(days=offset, minutes=self.rng.randrange(-300, 300)),
                    illness,
                    postcode=person.home.postcode,
                ),
            )

    def _car_sightings(self, adults: list[Individual], placed: dict) -> None:
        """An adult nobody planted, seen driving a car near a busy place (the network's
        noise: drawn from its own generator, after everything else in the household)."""
        rng = self.places_rng
        for adult in adults:
            if rng.random() >= CAR_SIGHTINGS_PER_POLICE_ADULT_YEAR * YEARS:
                continue
            self.counts["car_sightings"] += 1
            vehicle = (
                rng.choice(VRM_LETTERS)
                + rng.choice(VRM_LETTERS)
                + f"{rng.randrange(10, 75):02d} "
                + "".join(rng.choice(VRM_LETTERS) for _ in range(3))
            )
            place_type, name, _ = rng.choices(
                SIGHTING_PLACES, weights=[p[2] for p in SIGHTING_PLACES]
            )[0]
            back = rng.randrange(1, DAYS)
            minutes = rng.randrange(24 * 60)
            when = dt.datetime.combine(
                self.today - dt.timedelta(days=back),
                dt.time(minutes // 60, minutes % 60),
                tzinfo=dt.UTC,
            )
            self.event(
                placed[adult.key][POLICE][0],
                PlannedEvent(
                    "",
                    "intelligence_report",
                    when,
                    f"Seen driving {vehicle} near {name}; nothing further known",
                    place=name,
                    details={
                        "vehicle": vehicle,
                        "place_type": place_type,
                        "grading": rng.choice(["B2", "B3", "C3"]),
                    },
                ),
            )

    def _domestic(self, adults: list[Individual], with_record: list[Individual], placed) -> None:
        self.counts["domestic_households"] += 1
        victim = next((a for a in with_record if a.sex == "F"), with_record[0])
        other = next((a for a in adults if a.key != victim.key), None)
        incidents = 1
        if self.rng.random() < DOMESTIC_REPEAT:
            incidents = 2 if self.rng.random() < 0.7 else 3
            self.counts["domestic_repeat_households"] += 1
        first = self._when(latest_back=DAYS, earliest_back=max(2, 300 * (incidents > 1)))
        offsets = [0, *sorted(self.rng.sample(range(7, 300), incidents - 1))]
        for offset in offsets:
            self.event(
                placed[victim.key][POLICE][0],
                PlannedEvent(
                    "",
                    "domestic_incident",
                    first + dt.timedelta(days=offset),
                    self.rng.choice(DOMESTIC_SUMMARIES),
                    postcode=victim.home.postcode,
                    place=victim.home.line1,
                    details={"suspect": f"{other.given} {other.family}"} if other else {},
                ),
            )
