"""The effective-term arithmetic (justice.outcomes), checked against a plain reference.

The reference walks every chain out in full: a count's sentence ends when its own term,
and every term it runs after, back to one that starts at sentencing, has been served.
The defendant is released when the last of those ends. Nothing is memoised and nothing
is clever, so it can be read and believed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantern.justice.outcomes import ChainError, Term, describe_months, effective_months


def reference_months(terms: dict[int, Term]) -> int:
    """Expand each count's chain explicitly: its months, plus the months of the count
    it runs after, plus that count's predecessor's..., and take the longest."""
    longest = 0
    for count in terms:
        chain, total, here = [], 0, count
        while here is not None:
            assert here not in chain, "the reference only takes sentences without rings"
            chain.append(here)
            total += terms[here].months
            here = terms[here].consecutive_to
        longest = max(longest, total)
    return longest


MONTHS = st.integers(min_value=0, max_value=720)


@st.composite
def sentence_sets(draw, min_size: int = 0, max_size: int = 12):
    """Counts numbered at random, each concurrent or consecutive to a count drawn before
    it (so there is never a ring), in a random order in the mapping."""
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    numbers = draw(
        st.lists(st.integers(min_value=1, max_value=500), min_size=size, max_size=size, unique=True)
    )
    terms: dict[int, Term] = {}
    for i, number in enumerate(numbers):
        after = None
        if i and draw(st.booleans()):
            after = numbers[draw(st.integers(min_value=0, max_value=i - 1))]
        life = draw(st.booleans()) if draw(st.integers(0, 9)) == 0 else False
        terms[number] = Term(number, draw(MONTHS), after, life)
    order = draw(st.permutations(list(terms)))
    return {n: terms[n] for n in order}


@settings(max_examples=300, deadline=None)
@given(sentence_sets())
def test_effective_term_is_the_longest_chain_served_in_full(terms):
    assert effective_months(terms) == reference_months(terms)


@settings(max_examples=200, deadline=None)
@given(sentence_sets())
def test_effective_term_lies_between_the_longest_term_and_the_sum_of_all(terms):
    found = effective_months(terms)
    assert found >= max((t.months for t in terms.values()), default=0)
    assert found <= sum(t.months for t in terms.values())


@settings(max_examples=200, deadline=None)
@given(st.lists(MONTHS, max_size=12))
def test_concurrent_terms_never_add(months):
    terms = {n: Term(n, m) for n, m in enumerate(months, start=1)}
    assert effective_months(terms) == max(months, default=0)


@settings(max_examples=200, deadline=None)
@given(sentence_sets(), MONTHS)
def test_one_more_concurrent_term_only_matters_if_it_is_the_longest(terms, months):
    before = effective_months(terms)
    terms = {**terms, 999: Term(999, months)}
    assert effective_months(terms) == max(before, months)


@settings(max_examples=200, deadline=None)
@given(sentence_sets(min_size=1), MONTHS, st.data())
def test_one_more_consecutive_term_starts_when_its_count_ends(terms, months, data):
    after = data.draw(st.sampled_from(sorted(terms)))
    # When count `after` ends, on its own: its chain alone.
    chain_end = reference_months({n: t for n, t in terms.items() if n in _chain(terms, after)})
    before = effective_months(terms)
    terms = {**terms, 999: Term(999, months, after)}
    assert effective_months(terms) == max(before, chain_end + months)


def _chain(terms: dict[int, Term], count: int) -> set[int]:
    found, here = set(), count
    while here is not None:
        found.add(here)
        here = terms[here].consecutive_to
    return found


@settings(max_examples=200, deadline=None)
@given(sentence_sets(), st.integers(min_value=1, max_value=6), st.data())
def test_a_ring_of_consecutive_sentences_is_refused(terms, ring_size, data):
    ring = [1000 + i for i in range(ring_size)]
    for i, number in enumerate(ring):
        # Each runs after the next one round the ring (a ring of one runs after itself).
        terms = {**terms, number: Term(number, data.draw(MONTHS), ring[(i + 1) % ring_size])}
    # Others may run after a count in the ring: still no end to find.
    if terms and data.draw(st.booleans()):
        terms = {**terms, 2000: Term(2000, 12, data.draw(st.sampled_from(ring)))}
    with pytest.raises(ChainError, match="ring"):
        effective_months(terms)


def test_a_sentence_after_a_count_with_no_sentence_is_refused():
    with pytest.raises(ChainError, match="count 7 has no sentence"):
        effective_months({1: Term(1, 24), 2: Term(2, 12, consecutive_to=7)})


def test_the_worked_examples():
    # 5 years, then 3 years consecutive to it, and 2 years concurrent: 8 years.
    assert effective_months({1: Term(1, 60), 2: Term(2, 36, 1), 3: Term(3, 24)}) == 96
    # A chain of three, ordered in the mapping against the chain.
    assert effective_months({3: Term(3, 6, 2), 2: Term(2, 12, 1), 1: Term(1, 24)}) == 42
    # Two chains from one count: the longer branch decides.
    assert effective_months({1: Term(1, 24), 2: Term(2, 12, 1), 3: Term(3, 30, 1)}) == 54
    # Life, minimum term 30 years, beside 12 years concurrent: 30 years.
    assert effective_months({1: Term(1, 360, life=True), 2: Term(2, 144)}) == 360
    assert effective_months({}) == 0


@pytest.mark.parametrize(
    ("months", "words"),
    [
        (0, "0 months"),
        (1, "1 month"),
        (11, "11 months"),
        (12, "1 year"),
        (13, "1 year 1 month"),
        (24, "2 years"),
        (30, "2 years 6 months"),
        (96, "8 years"),
        (360, "30 years"),
        (523, "43 years 7 months"),
    ],
)
def test_describe_months(months, words):
    assert describe_months(months) == words


def test_a_long_chain_listed_from_its_last_count():
    """1,500 counts each consecutive to the one before, listed last first (as a form or
    a query may give them). Walking each chain by recursion, one Python frame a link, a
    chain longer than the interpreter's recursion limit (about 1,000) crashed
    sentence_pass and operations_totals: it is walked with a stack."""
    terms = {n: Term(n, 1, n - 1 if n > 1 else None) for n in range(1500, 0, -1)}
    assert effective_months(terms) == reference_months(terms) == 1500
