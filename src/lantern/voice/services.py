"""Writes for feedback, consent, quotes and "you said, we did" actions.

Each write is checked in full before anything is saved, runs in one transaction with its
audit event, and refuses bad input naming the field: empty words, a day in the future, an
unknown theme, a person the worker may not see, a use beyond what the giver agreed to
(`consent: ...`), an action with no feedback or theme behind it. Who may do what is
access.py's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db import transaction

from lantern.access import policy
from lantern.audit.services import Subject, audit_record
from lantern.core import clock
from lantern.core.validation import check_not_future, check_order, check_required, refuse
from lantern.partners.models import Agency
from lantern.people.models import Person

from . import access
from .models import (
    CONSENT_FIELDS,
    ActionFeedback,
    ActionStatus,
    Channel,
    ConsentChange,
    Feedback,
    FeedbackTheme,
    GiverKind,
    PartnershipAction,
    Quote,
    Sentiment,
    Use,
)
from .themes import themes as theme_set

EARLIEST = dt.date(1990, 1, 1)
WORDS_LIMIT = 10_000
QUOTE_LIMIT = 600
# Why a use needs consent, in the words a refusal gives after "did not agree to".
USE_WORDS = {
    Use.SERVICE_LEARNING: "the agency learning from it",
    Use.PARTNERSHIP_ANONYMISED: "it being counted, without their name, in the partnership's view",
    Use.QUOTE_ANONYMISED: "their words being quoted, without their name",
}
# A cut ("[...]") or a word put in place of a name ("[my worker]") in a quote.
BRACKETED = re.compile(r"\[[^\[\]]{0,60}\]")
PERSON_REFERENCE = re.compile(r"\bP-[A-Z0-9]{8}\b", re.IGNORECASE)


# ---------------------------------------------------------------- shared checks
def _audit(actor, operation: str, purpose: str, subjects, action: str, **detail) -> None:
    audit_record(
        actor=actor,
        action=action,
        operation=operation,
        purpose=purpose,
        subjects=list(subjects),
        detail=detail,
    )


def _subjects(feedback: Feedback) -> list[Subject]:
    found = [Subject.of(feedback)]
    if feedback.person_id is not None:
        found.append(Subject("people.person", feedback.person_id, feedback.person_id))
    return found


def _day(field: str, label: str, value: dt.date | None, earliest: dt.date = EARLIEST) -> dt.date:
    check_required(field, label.lower(), value)
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        refuse(field, f"{label} must be a day")
    check_not_future(field, label, value)
    if value < earliest:
        refuse(field, f"{label} must be on or after {earliest:%-d %B %Y}")
    return value


def _choice(field: str, label: str, value: str, choices) -> str:
    value = (value or "").strip()
    check_required(field, label, value)
    if value not in choices.values:
        refuse(field, f"{value!r} is not one of: {', '.join(choices.values)}")
    return value


def _uses(field: str, uses: Iterable[str]) -> list[str]:
    if isinstance(uses, str):
        uses = [uses]
    found = []
    for use in uses or ():
        if use not in Use.values:
            refuse(field, f"{use!r} is not a use a giver can agree to ({', '.join(Use.values)})")
        if use not in found:
            found.append(use)
    return found


def _themes(field: str, codes: Iterable[str], allow_retired: bool = False) -> list[str]:
    if isinstance(codes, str):
        codes = [codes]
    known = theme_set().themes
    found = []
    for code in codes or ():
        theme = known.get(code)
        if theme is None:
            refuse(field, f"{code!r} is not a theme: choose from the themes list")
        if theme.retired and not allow_retired:
            refuse(field, f"The theme {theme.name!r} is retired: choose a current theme")
        if code not in found:
            found.append(code)
    return found


def _sentiment(value: str) -> str:
    value = (value or "").strip()
    if value and value not in Sentiment.values:
        refuse("sentiment", f"{value!r} is not positive, mixed or negative")
    return value


def _readable(actor, feedback: Feedback, field: str = "feedback") -> Feedback:
    if feedback is None or not access.may_read_feedback(actor, feedback):
        refuse(field, "Choose feedback your agency holds and you may read")
    return feedback


def consent_needed(feedback: Feedback, use: str) -> None:
    """Refuse a use the giver did not agree to, or withdrew."""
    if not feedback.allows(use):
        withdrawn = any(
            use in change.uses
            for change in feedback.consent_changes.filter(kind=ConsentChange.Kind.WITHDRAWN)
        )
        said = "withdrew their agreement to" if withdrawn else "did not agree to"
        refuse("consent", f"The giver {said} {USE_WORDS[use]}")


# ---------------------------------------------------------------- feedback
@transaction.atomic
def feedback_record(
    *,
    actor,
    words: str,
    given_on: dt.date | None,
    channel: str,
    giver_kind: str,
    consent: Iterable[str] = (),
    person: Person | None = None,
    themes: Iterable[str] = (),
    sentiment: str = "",
    consent_note: str = "",
) -> Feedback:
    """Record what someone said, held by the actor's agency, with what they agreed to."""
    if not access.records_feedback(actor):
        refuse("agency", "Only workers who hear children, families and survivors record feedback")
    check_required("words", "what they said, in their own words", words)
    if len(words) > WORDS_LIMIT:
        refuse("words", f"What they said must be at most {WORDS_LIMIT:,} characters")
    _day("given_on", "The day they gave it", given_on)
    channel = _choice("channel", "how it was given", channel, Channel)
    giver_kind = _choice("giver_kind", "who gave it", giver_kind, GiverKind)
    uses = _uses("consent", consent)
    if person is not None and (person.pk is None or not policy.can(actor, "view", person)):
        refuse("person", "Choose a person you can see: find them with the people search first")
    codes = _themes("themes", themes)
    sentiment = _sentiment(sentiment)
    now = clock.now()
    feedback = Feedback.objects.create(
        agency=actor.agency,
        recorded_by=actor,
        recorded_at=now,
        given_on=given_on,
        channel=channel,
        giver_kind=giver_kind,
        person=person,
        words=words.strip(),
        sentiment=sentiment,
        themes_version=theme_set().version if codes or sentiment else None,
        tagged_at=now if codes or sentiment else None,
        tagged_by=actor if codes or sentiment else None,
        **{CONSENT_FIELDS[use]: True for use in uses},
    )
    FeedbackTheme.objects.bulk_create([FeedbackTheme(feedback=feedback, theme=c) for c in codes])
    ConsentChange.objects.create(
        feedback=feedback,
        kind=ConsentChange.Kind.GIVEN,
        uses=uses,
        on=given_on,
        note=(consent_note or "").strip()[:500],
        recorded_by=actor,
        recorded_at=now,
    )
    _audit(
        actor,
        "voice.feedback.record",
        "Feedback recorded",
        _subjects(feedback),
        "collection",
        consent=uses,
        themes=codes,
    )
    return feedback


@transaction.atomic
def feedback_tag(*, actor, feedback: Feedback, themes: Iterable[str], sentiment: str) -> Feedback:
    """Set the themes the feedback touches and its sentiment (replacing what was there).
    A retired theme it already carries may stay; no new one may be added."""
    _readable(actor, feedback)
    had = set(feedback.theme_tags.values_list("theme", flat=True))
    codes = _themes("themes", themes, allow_retired=True)
    for code in codes:
        if code not in had and theme_set().themes[code].retired:
            refuse("themes", f"The theme {theme_set().name(code)!r} is retired")
    sentiment = _sentiment(sentiment)
    if not codes and not sentiment:
        refuse("themes", "Choose at least one theme, or the sentiment")
    feedback.theme_tags.exclude(theme__in=codes).delete()
    FeedbackTheme.objects.bulk_create(
        [FeedbackTheme(feedback=feedback, theme=c) for c in codes if c not in had]
    )
    feedback.sentiment = sentiment
    feedback.themes_version = theme_set().version
    feedback.tagged_at, feedback.tagged_by = clock.now(), actor
    feedback.save(update_fields=["sentiment", "themes_version", "tagged_at", "tagged_by"])
    _audit(
        actor,
        "voice.feedback.tag",
        "Feedback tagged with themes",
        _subjects(feedback),
        "alteration",
        themes=codes,
        removed=sorted(had - set(codes)),
        sentiment=sentiment,
    )
    return feedback


def _consent_change(actor, feedback, kind, uses, on, note) -> list[str]:
    _readable(actor, feedback)
    uses = _uses("consent", uses)
    if not uses:
        refuse("consent", "Choose the uses they agreed to or withdrew")
    _day("on", "The day they said so", on)
    check_order("on", "The day they said so", feedback.given_on, on, "the day they gave it")
    last = feedback.consent_changes.order_by("-on").values_list("on", flat=True).first()
    check_order("on", "The day they said so", last, on, "the last change to their consent")
    for use in uses:
        if kind == ConsentChange.Kind.WITHDRAWN and not feedback.allows(use):
            refuse("consent", f"They do not agree to {USE_WORDS[use]} now: nothing to withdraw")
        if kind == ConsentChange.Kind.GIVEN and feedback.allows(use):
            refuse("consent", f"They already agree to {USE_WORDS[use]}")
    ConsentChange.objects.create(
        feedback=feedback,
        kind=kind,
        uses=uses,
        on=on,
        note=(note or "").strip()[:500],
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    for use in uses:
        setattr(feedback, CONSENT_FIELDS[use], kind == ConsentChange.Kind.GIVEN)
    feedback.save(update_fields=[CONSENT_FIELDS[u] for u in uses])
    return uses


@transaction.atomic
def feedback_consent_withdraw(
    *, actor, feedback: Feedback, uses: Iterable[str], on: dt.date | None, note: str = ""
) -> Feedback:
    """The giver withdrew agreement to some uses. Recorded, never deleted: from now on the
    feedback is not used so; quotes of it come down when quoting is withdrawn."""
    uses = _consent_change(actor, feedback, ConsentChange.Kind.WITHDRAWN, uses, on, note)
    removed = 0
    if Use.QUOTE_ANONYMISED in uses:
        removed = feedback.quotes.filter(removed_at__isnull=True).update(
            removed_at=clock.now(), removed_reason="The giver withdrew agreement to be quoted"
        )
    _audit(
        actor,
        "voice.consent.withdraw",
        "Consent withdrawn",
        _subjects(feedback),
        "alteration",
        uses=uses,
        quotes_removed=removed,
    )
    return feedback


@transaction.atomic
def feedback_consent_give(
    *, actor, feedback: Feedback, uses: Iterable[str], on: dt.date | None, note: str = ""
) -> Feedback:
    """The giver agreed to more uses later."""
    uses = _consent_change(actor, feedback, ConsentChange.Kind.GIVEN, uses, on, note)
    _audit(
        actor, "voice.consent.give", "Consent given", _subjects(feedback), "alteration", uses=uses
    )
    return feedback


# ---------------------------------------------------------------- quotes
def _normal(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


@transaction.atomic
def quote_choose(*, actor, feedback: Feedback, text: str) -> Quote:
    """Choose words from the feedback to be quoted without a name. They must be the giver's
    own words (cut with "[...]", or a name put as "[my worker]"), naming no one."""
    _readable(actor, feedback)
    consent_needed(feedback, Use.QUOTE_ANONYMISED)
    check_required("text", "the words to quote", text)
    text = " ".join(text.split())
    if len(text) > QUOTE_LIMIT:
        refuse("text", f"A quote is at most {QUOTE_LIMIT} characters")
    pieces = [p for p in BRACKETED.split(text) if _normal(p)]
    if not pieces:
        refuse("text", "Enter the words to quote, not only what is in brackets")
    said = _normal(feedback.words)
    for piece in pieces:
        if _normal(piece) not in said:
            refuse("text", f"These are not their words: {piece.strip()!r}")
    if PERSON_REFERENCE.search(text):
        refuse("text", "A quote never carries a person's reference")
    if feedback.person_id is not None:
        person = feedback.person
        unbracketed = BRACKETED.sub(" ", text)
        for name in {person.given_name, person.family_name}:
            if len(name) > 1 and re.search(rf"\b{re.escape(name)}\b", unbracketed, re.IGNORECASE):
                refuse("text", "A quote names no one: put [name] in place of their name")
    if feedback.quotes.filter(removed_at__isnull=True, text=text).exists():
        refuse("text", "These words are already quoted")
    quote = Quote.objects.create(
        feedback=feedback, text=text, chosen_by=actor, chosen_at=clock.now()
    )
    _audit(actor, "voice.quote.choose", "Words chosen to quote", _subjects(feedback), "alteration")
    return quote


@transaction.atomic
def quote_remove(*, actor, quote: Quote, reason: str) -> Quote:
    _readable(actor, quote.feedback)
    if quote.removed_at is not None:
        refuse("quote", "This quote is already taken down")
    check_required("reason", "why it is taken down", reason)
    quote.removed_at, quote.removed_reason = clock.now(), reason.strip()[:300]
    quote.save(update_fields=["removed_at", "removed_reason"])
    _audit(
        actor, "voice.quote.remove", reason.strip()[:200], _subjects(quote.feedback), "alteration"
    )
    return quote


# ---------------------------------------------------------------- actions
def _link_check(actor, action: PartnershipAction | None, feedback: Feedback) -> None:
    _readable(actor, feedback)
    consent_needed(feedback, Use.PARTNERSHIP_ANONYMISED)
    if action is not None and action.links.filter(feedback=feedback).exists():
        refuse("feedback", "This feedback is already behind the action")


def _lead(actor, lead_agency: Agency | None, lead_body: str) -> tuple[Agency | None, str]:
    lead_body = (lead_body or "").strip()
    if lead_agency is None and not lead_body:
        refuse("lead", "Say which agency or which board or group leads it")
    if lead_agency is not None and lead_body:
        refuse("lead", "Choose an agency or a board, not both")
    if len(lead_body) > 200:
        refuse("lead_body", "The board or group's name is at most 200 characters")
    mine = getattr(actor, "agency", None)
    own = lead_agency is not None and mine is not None and lead_agency.pk == mine.pk
    if not access.manages_actions(actor) and not own:
        refuse(
            "lead_agency", f"You record actions that {mine.name if mine else 'your agency'} leads"
        )
    return lead_agency, lead_body


def _status(status: str, done_on: dt.date | None, agreed_on: dt.date) -> tuple[str, dt.date | None]:
    status = _choice("status", "where it stands", status or ActionStatus.AGREED, ActionStatus)
    if status == ActionStatus.DONE:
        _day("done_on", "The day it was done", done_on)
        check_order("done_on", "The day it was done", agreed_on, done_on, "the day it was agreed")
    elif done_on is not None:
        refuse("done_on", "Give the day it was done only when it is done")
    return status, done_on


@transaction.atomic
def action_create(
    *,
    actor,
    title: str,
    you_said: str,
    we_did: str,
    agreed_on: dt.date | None,
    lead_agency: Agency | None = None,
    lead_body: str = "",
    themes: Iterable[str] = (),
    feedback: Iterable[Feedback] = (),
    status: str = ActionStatus.AGREED,
    done_on: dt.date | None = None,
) -> PartnershipAction:
    """Record what the partnership did in response to what it heard, with the themes and
    the feedback behind it (at least one of them)."""
    if not access.may_record_action(actor):
        refuse("agency", "Only the partnership manager and the agencies record actions")
    check_required("title", "what was done, in a line", title)
    if len(title.strip()) > 200:
        refuse("title", "The title is at most 200 characters")
    check_required("you_said", "what the partnership heard", you_said)
    check_required("we_did", "what was done about it", we_did)
    _day("agreed_on", "The day it was agreed", agreed_on)
    lead_agency, lead_body = _lead(actor, lead_agency, lead_body)
    codes = _themes("themes", themes)
    items = list({f.pk: f for f in feedback}.values())
    for item in items:
        _link_check(actor, None, item)
    if not codes and not items:
        refuse("themes", "An action answers what people said: choose its themes or its feedback")
    status, done_on = _status(status, done_on, agreed_on)
    now = clock.now()
    action = PartnershipAction.objects.create(
        title=title.strip(),
        you_said=you_said.strip(),
        we_did=we_did.strip(),
        lead_agency=lead_agency,
        lead_body=lead_body,
        agreed_on=agreed_on,
        status=status,
        done_on=done_on,
        themes=codes,
        created_by=actor,
        created_at=now,
    )
    ActionFeedback.objects.bulk_create(
        [ActionFeedback(action=action, feedback=f, linked_by=actor, linked_at=now) for f in items]
    )
    subjects = [Subject.of(action)] + [s for f in items for s in _subjects(f)]
    _audit(
        actor,
        "voice.action.create",
        f"You said, we did: {action.title}"[:200],
        subjects,
        "combination" if items else "collection",
        themes=codes,
        feedback=[f.pk for f in items],
    )
    return action


@transaction.atomic
def action_link(*, actor, action: PartnershipAction, feedback: Feedback) -> ActionFeedback:
    """Put a piece of feedback behind an action: only with the giver's agreement to it being
    counted in the partnership's view."""
    _link_check(actor, action, feedback)
    link = ActionFeedback.objects.create(
        action=action, feedback=feedback, linked_by=actor, linked_at=clock.now()
    )
    _audit(
        actor,
        "voice.action.link",
        f"Feedback behind: {action.title}"[:200],
        [Subject.of(action), *_subjects(feedback)],
        "combination",
    )
    return link


@transaction.atomic
def action_status(
    *,
    actor,
    action: PartnershipAction,
    status: str,
    done_on: dt.date | None = None,
    note: str = "",
) -> PartnershipAction:
    """Move an action on: agreed, under way, then done (with the day) or stopped (with why)."""
    if not access.may_change_action(actor, action):
        refuse("action", "Only the partnership manager or the agency leading it changes it")
    if action.status in (ActionStatus.DONE, ActionStatus.STOPPED):
        refuse("status", f"This action is {action.get_status_display().lower()} already")
    status, done_on = _status(status, done_on, action.agreed_on)
    if status == action.status:
        refuse("status", f"It is {action.get_status_display().lower()} already")
    if status == ActionStatus.STOPPED:
        check_required("note", "why it stopped", note)
    before = action.status
    action.status, action.done_on = status, done_on
    action.save(update_fields=["status", "done_on"])
    _audit(
        actor,
        "voice.action.status",
        (note or f"Now {action.get_status_display().lower()}").strip()[:200],
        [Subject.of(action)],
        "alteration",
        before=before,
        after=status,
    )
    return action
