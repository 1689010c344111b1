"""Reads of feedback, the partnership's anonymised view and "you said, we did", under the
voice rules (access.py).

- A piece of feedback (its words, who gave it, the person) is read only by its agency's
  workers who record feedback, and one tied to a person only by those who may view her.
  Every read names the feedback and the person in an audit event; an item the reader may
  not read does not exist for them (`Feedback.DoesNotExist`, a 404), and never shows in
  a list or a count of theirs.
- The partnership view counts, without names, only feedback whose giver agrees to it
  being counted and has not withdrawn, never a sealed person's, and never shows a count
  from 1 to 4 (aggregate.py, suppression.py). It quotes only words their giver agreed may
  be quoted, with the quarter and nothing else. Showing a quote uses the giver's words, so
  each view is audited as a consultation naming the feedback quoted (and no one, when
  nothing is quoted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet

from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.people.models import Sensitivity

from . import access, aggregate
from .models import (
    CONSENT_FIELDS,
    ActionFeedback,
    ConsentChange,
    Feedback,
    FeedbackTheme,
    GiverKind,
    PartnershipAction,
    Quote,
    Sentiment,
    Use,
)
from .suppression import Shown, primary
from .themes import themes as theme_set

CONSULTATION = "consultation"
PAGE_SIZE = 50
QUOTES_PER_THEME = 3


def _audit(user, operation: str, purpose: str, items=(), records=()) -> None:
    subjects = []
    people = set()
    for item in items:
        subjects.append(Subject.of(item))
        if item.person_id is not None:
            people.add(item.person_id)
    subjects += [Subject("people.person", p, p) for p in sorted(people)]
    subjects += [Subject.of(r) for r in records]
    audit_record(
        actor=user, action=CONSULTATION, operation=operation, purpose=purpose, subjects=subjects
    )


# ---------------------------------------------------------------- feedback, as its agency reads it
def feedback_visible_to(user) -> QuerySet[Feedback]:
    return Feedback.objects.filter(access.feedback_q(user))


@dataclass
class FeedbackFilters:
    theme: str = ""
    giver_kind: str = ""
    use: str = ""
    untagged: bool = False


def feedback_page(*, user, filters: FeedbackFilters | None = None, page: int = 1):
    """One page of the feedback the user may read, newest first, with its themes; every
    item and person shown audited. Returns (page, total)."""
    filters = filters or FeedbackFilters()
    found = feedback_visible_to(user).select_related("person", "recorded_by")
    if filters.theme:
        found = found.filter(theme_tags__theme=filters.theme)
    if filters.giver_kind:
        found = found.filter(giver_kind=filters.giver_kind)
    if filters.use in Use.values:
        found = found.filter(**{_flag(filters.use): True})
    if filters.untagged:
        found = found.filter(theme_tags__isnull=True, sentiment="")
    found = found.annotate(n_actions=Count("action_links", distinct=True)).order_by(
        "-given_on", "-pk"
    )
    paginator = Paginator(found, PAGE_SIZE)
    shown = paginator.get_page(page)
    items = list(shown.object_list)
    _with_themes(items)
    if items:
        _audit(user, "voice.feedback.list", "Feedback list", items)
    return shown, items, paginator.count


def _flag(use: str) -> str:
    return CONSENT_FIELDS[use]


def _with_themes(items: list[Feedback]) -> None:
    tags = defaultdict(list)
    for feedback_id, code in FeedbackTheme.objects.filter(
        feedback__in=[f.pk for f in items]
    ).values_list("feedback_id", "theme"):
        tags[feedback_id].append(code)
    known = theme_set()
    for item in items:
        codes = sorted(tags.get(item.pk, []), key=_theme_order)
        item.theme_codes = codes
        item.theme_names = [known.name(c) for c in codes]


def _theme_order(code: str) -> tuple[int, str]:
    order = list(theme_set().themes)
    return (order.index(code) if code in order else len(order), code)


def feedback_get(*, user, pk, purpose: str = "Read feedback") -> Feedback:
    """One piece of feedback with its themes, consent history, quotes and actions, audited;
    Feedback.DoesNotExist for anyone who may not read it."""
    try:
        found = (
            feedback_visible_to(user)
            .select_related("person", "recorded_by", "agency", "tagged_by")
            .get(pk=int(pk))
        )
    except (TypeError, ValueError) as exc:
        raise Feedback.DoesNotExist from exc
    _with_themes([found])
    found.consent_list = list(found.consent_changes.select_related("recorded_by"))
    found.quote_list = list(found.quotes.order_by("removed_at", "chosen_at", "pk"))
    found.action_list = list(
        PartnershipAction.objects.filter(links__feedback=found).order_by("-agreed_on", "-pk")
    )
    _audit(user, "voice.feedback.view", purpose, [found])
    return found


def quote_get(*, user, pk) -> Quote:
    """A quote, for its feedback's readers only (Quote.DoesNotExist otherwise)."""
    try:
        return Quote.objects.select_related("feedback").get(
            pk=int(pk), feedback__in=feedback_visible_to(user)
        )
    except (TypeError, ValueError) as exc:
        raise Quote.DoesNotExist from exc


def feedback_among(*, user, ids) -> list[Feedback]:
    """The feedback among these ids that the user may read (for linking to an action); not
    audited here: the service that uses them records what it did."""
    try:
        ids = {int(i) for i in ids}
    except (TypeError, ValueError):
        return []
    return list(feedback_visible_to(user).filter(pk__in=ids).order_by("pk"))


# ---------------------------------------------------------------- a person's own feedback
@dataclass(frozen=True)
class PersonFeedback:
    """One piece of feedback about or from a person, as her subject access pack shows it."""

    pk: int
    given_on: dt.date
    how: str
    giver: str
    words: str
    themes: list[str]
    sentiment: str
    agency: str
    recorded_by: str
    recorded_at: dt.datetime
    consent_now: list[str]
    consent_history: list[str]
    quotes: list[str]
    actions: list[str]


def feedback_for_person(*, user, person) -> list[PersonFeedback]:
    """Every piece of feedback about or from the person that the user may read (the data
    protection officer preparing a subject access pack: all of it, whichever agency holds
    it), oldest first, with its consent history, quotes and the actions it is behind;
    audited naming her. Nothing (and no event) for a user who may read none of it."""
    if access.reads_for_subject_access(user):
        found = Feedback.objects.filter(person=person)
        purpose = "Subject access request: the person's own feedback"
    else:
        found = feedback_visible_to(user).filter(person=person)
        purpose = "The person's feedback"
    items = list(found.select_related("agency", "recorded_by").order_by("given_on", "pk"))
    if not items:
        return []
    _with_themes(items)
    changes = defaultdict(list)
    for change in ConsentChange.objects.filter(feedback__in=items).order_by("on", "pk"):
        changes[change.feedback_id].append(change)
    quotes = defaultdict(list)
    for quote in Quote.objects.filter(feedback__in=items, removed_at__isnull=True):
        quotes[quote.feedback_id].append(quote.text)
    actions = defaultdict(list)
    for link in ActionFeedback.objects.filter(feedback__in=items).select_related("action"):
        actions[link.feedback_id].append(link.action.title)
    use_names = dict(Use.choices)
    result = [
        PersonFeedback(
            pk=f.pk,
            given_on=f.given_on,
            how=f.get_channel_display(),
            giver=f.get_giver_kind_display(),
            words=f.words,
            themes=f.theme_names,
            sentiment=f.get_sentiment_display() if f.sentiment else "",
            agency=f.agency.name,
            recorded_by=f.recorded_by.get_full_name() or f.recorded_by.get_username(),
            recorded_at=f.recorded_at,
            consent_now=[use_names[u] for u in f.uses],
            consent_history=[
                f"{c.get_kind_display()} on {c.on:%-d %B %Y}: "
                + ("; ".join(use_names[u] for u in c.uses) or "nothing")
                for c in changes[f.pk]
            ],
            quotes=quotes[f.pk],
            actions=actions[f.pk],
        )
        for f in items
    ]
    _audit(user, "voice.feedback.person", purpose, items)
    return result


# ---------------------------------------------------------------- the partnership's view
def counted() -> QuerySet[Feedback]:
    """The feedback the partnership may count: its giver agrees and has not withdrawn, and
    neither it nor the person it is about is sealed."""
    return (
        Feedback.objects.filter(consent_partnership=True)
        .exclude(sensitivity=Sensitivity.SEALED)
        .filter(Q(person__isnull=True) | ~Q(person__sensitivity=Sensitivity.SEALED))
    )


def years_with_feedback() -> list[int]:
    days = counted().values_list("given_on", flat=True)
    first = days.order_by("given_on").first()
    last = days.order_by("-given_on").first()
    if first is None:
        return []
    return list(range(aggregate.financial_year(first), aggregate.financial_year(last) + 1))


@dataclass
class QuoteShown:
    text: str
    quarter: str
    also: tuple[str, ...] = ()  # the other themes it is shown for, by name


@dataclass
class PartnershipView:
    view: aggregate.View
    quotes: dict[str, list[QuoteShown]] = field(default_factory=dict)
    theme_rows: list[tuple[str, str, str]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def _theme_rows(present: set[str]) -> list[tuple[str, str]]:
    known = theme_set().themes
    rows = [(t.code, t.name) for t in known.values() if not t.retired or t.code in present]
    rows += [(code, code) for code in sorted(present - set(known))]
    return rows


def partnership_view(*, user, year: int | None = None) -> PartnershipView:
    """The anonymised view of one financial year, audited as a consultation naming the
    feedback quoted."""
    year = year if year is not None else aggregate.financial_year(clock.today())
    start, end = aggregate.year_bounds(year)
    rows = list(
        counted()
        .filter(given_on__range=(start, end))
        .values_list("pk", "given_on", "giver_kind", "sentiment")
    )
    tags = defaultdict(list)
    for feedback_id, code in FeedbackTheme.objects.filter(
        feedback__in=[r[0] for r in rows]
    ).values_list("feedback_id", "theme"):
        tags[feedback_id].append(code)
    facts = [
        aggregate.Fact(aggregate.quarter_of(day), kind, sentiment, tuple(tags.get(pk, ())))
        for pk, day, kind, sentiment in rows
    ]
    present = {t for codes in tags.values() for t in codes}
    view = aggregate.build(
        facts,
        year=year,
        theme_rows=_theme_rows(present),
        kind_rows=list(GiverKind.choices),
        sentiment_rows=[*Sentiment.choices, (aggregate.NOT_RECORDED, "Not recorded yet")],
    )
    quotes, quoted = _quotes_by_theme(view, [r[0] for r in rows], tags)
    descriptions = {t.code: t.description for t in theme_set().themes.values()}
    _audit(
        user,
        "voice.partnership.view",
        f"The partnership's view of feedback, {view.label}",
        list({q.feedback_id: q.feedback for q in quoted}.values()),
    )
    return PartnershipView(
        view=view,
        quotes=quotes,
        theme_rows=[(code, name, descriptions.get(code, "")) for code, name in view.by_theme.rows],
        years=years_with_feedback(),
    )


def _quotes_by_theme(view: aggregate.View, counted_ids: list[int], tags) -> tuple[dict, list]:
    """Up to three quotes per theme, the latest chosen, only under a theme whose count is
    shown, from feedback counted in the view whose giver agrees to be quoted.

    Each quote is shown once: under the first of its themes in the order the themes are
    shown that has room for it, naming its other shown themes. Shown under each of its
    themes, one person's words would read as several people saying the same thing."""
    found = list(
        Quote.objects.filter(
            removed_at__isnull=True, feedback__in=counted_ids, feedback__consent_quote=True
        )
        .select_related("feedback")
        .order_by("-chosen_at", "-pk")
    )
    order = {code: i for i, (code, _) in enumerate(view.by_theme.rows)}
    names = dict(view.by_theme.rows)

    def shown(code: str) -> bool:
        total = view.theme_total(code)
        return code in order and not total.hidden and bool(total.value)

    by_theme: dict[str, list[QuoteShown]] = {}
    used, texts = {}, set()
    for quote in found:
        if quote.text in texts:
            continue
        codes = sorted({c for c in tags.get(quote.feedback_id, ()) if shown(c)}, key=order.get)
        for code in codes:
            if len(by_theme.get(code, ())) >= QUOTES_PER_THEME:
                continue
            by_theme.setdefault(code, []).append(
                QuoteShown(
                    quote.text,
                    aggregate.quarter_label_of(quote.feedback.given_on),
                    also=tuple(names[c] for c in codes if c != code),
                )
            )
            used[quote.pk] = quote
            texts.add(quote.text)
            break
    return by_theme, list(used.values())


# ---------------------------------------------------------------- you said, we did
def _shown_count(n: int) -> Shown:
    return Shown(None if primary(n) else n)


@dataclass
class ActionRow:
    action: PartnershipAction
    theme_names: list[str]
    feedback: Shown


def _counts_behind(action_ids) -> dict[int, int]:
    return dict(
        ActionFeedback.objects.filter(action__in=action_ids, feedback__in=counted())
        .values("action")
        .annotate(n=Count("feedback", distinct=True))
        .values_list("action", "n")
    )


def actions_list(*, user, status: str = "") -> list[ActionRow]:
    """Every action, newest first, with its themes and how many pieces of feedback are
    behind it (counted as the partnership view counts, fewer than 5 hidden). No personal
    data: nothing to audit. Empty for those who do not see the partnership view."""
    if not access.sees_partnership_view(user):
        return []
    found = PartnershipAction.objects.select_related("lead_agency").order_by("-agreed_on", "-pk")
    if status:
        found = found.filter(status=status)
    found = list(found)
    counts = _counts_behind([a.pk for a in found])
    known = theme_set()
    return [
        ActionRow(a, [known.name(c) for c in a.themes], _shown_count(counts.get(a.pk, 0)))
        for a in found
    ]


@dataclass
class ActionView:
    action: PartnershipAction
    theme_names: list[str]
    feedback: Shown
    quotes: list[QuoteShown]
    own_items: list[Feedback]
    may_change: bool


def action_get(*, user, pk) -> ActionView:
    """One action, traced to what is behind it: the number of pieces of feedback (fewer
    than 5 hidden) and, when that number is shown, the quotes their givers agreed to; and,
    for the agency that holds some of it, the pieces themselves (audited).
    PartnershipAction.DoesNotExist for those who do not see the partnership view."""
    if not access.sees_partnership_view(user):
        raise PartnershipAction.DoesNotExist
    try:
        action = PartnershipAction.objects.select_related("lead_agency", "created_by").get(
            pk=int(pk)
        )
    except (TypeError, ValueError) as exc:
        raise PartnershipAction.DoesNotExist from exc
    behind = counted().filter(action_links__action=action)
    count = _shown_count(behind.count())
    quoted = []
    if not count.hidden and count.value:
        quoted = list(
            Quote.objects.filter(
                removed_at__isnull=True, feedback__in=behind, feedback__consent_quote=True
            )
            .select_related("feedback")
            .order_by("-chosen_at", "-pk")
        )
    own = list(
        feedback_visible_to(user)
        .filter(action_links__action=action)
        .select_related("person")
        .order_by("-given_on", "-pk")
    )
    _with_themes(own)
    read = {f.pk: f for f in [*own, *(q.feedback for q in quoted)]}
    if read:
        _audit(
            user,
            "voice.action.view",
            f"You said, we did: {action.title}"[:200],
            list(read.values()),
            [action],
        )
    quotes, texts = [], set()
    for q in quoted:
        if q.text not in texts:
            texts.add(q.text)
            quotes.append(QuoteShown(q.text, aggregate.quarter_label_of(q.feedback.given_on)))
    known = theme_set()
    return ActionView(
        action=action,
        theme_names=[known.name(c) for c in action.themes],
        feedback=count,
        quotes=quotes,
        own_items=own,
        may_change=access.may_change_action(user, action),
    )
