"""Plain words for the "Who has looked at your record" section of a subject access pack.

The audit log names what was done with an internal code ("sar.view",
"access.allocated_worker.open", "support.plan.reengage"). A survivor reading her pack
should never meet those codes. `heading(operation, action, outcome, automatic)` turns an
event into a short sentence she understands:

1. a phrase for the operation, matched on its leading dotted parts, the longest match
   winning ("*" stands for any one part: "access.*.end" covers every kind of access that
   ends), so "sar.pack.view" has its own words and any other "sar." code falls back on
   the words for "sar";
2. failing that, a phrase for a list, a search or an export, from the code's last part;
3. failing that, words built from the Data Protection Act 2018 s62 action (looked at,
   changed, shared, linked, collected, erased) and what the code's first part is about
   ("your support", "a referral about you", or, when nothing is known, "your record").

A refused attempt always reads as one ("A worker tried to look at your record, and was
not allowed"), whatever the operation. Lantern's own automatic work names Lantern where a
phrase names who acted. No phrase contains a code: tests/sar/test_audit_words.py checks
every phrase and every fallback.

"{who}" in a phrase is "A worker", or "Lantern" for automatic work.
"""

from __future__ import annotations

WORKER = "A worker"
LANTERN = "Lantern"

# Phrases for operations, by their leading dotted parts ("*": any one part). Where a
# code has no phrase of its own, the words built from its action and AREAS serve.
PHRASES: dict[str, str] = {
    # the person's own record
    "person.view": "{who} looked at your record",
    "people.match": "{who} checked whether a record someone was looking for is yours",
    "source_record.receive": "An agency sent Lantern its record of you",
    "source_record.correct": "An agency's record of you was corrected",
    "source_record.edit_form": "{who} opened an agency's record of you to correct it",
    "event.record": "Something that happened was added to your record",
    "relationship.record": "A relationship between you and someone else was recorded",
    "chronology.view": "{who} looked at the timeline of your record",
    "chronology.export": "{who} downloaded the timeline of your record",
    # joining up records from different agencies
    "linkage.run": "Lantern matched records from different agencies to you",
    "linkage.review.list": "{who} looked at records that might both be about you",
    "linkage.review.view": "{who} checked whether two records were both about you",
    "linkage.review.decide": "{who} decided whether two records were both about you",
    "linkage.person.merge": "Two records of you were joined into one",
    "linkage.record.split": "A record was separated from yours",
    "linkage.record.view": "{who} looked at an agency's record of you",
    "linkage.change.undo": "A change to how your records are joined up was undone",
    "linkage.change.view": "{who} looked at how your records were joined up",
    # who may see the record
    "access.allocated_worker.open": "A worker was allocated to you",
    "access.allocated_team.open": "A team was allocated to you",
    "access.front_door.open": "A referral about you was opened, so the team that takes "
    "referrals could see your record",
    "access.grant.open": "A manager gave a worker access to your record for a limited time",
    "access.break_glass.request": "{who} asked for emergency access to your record",
    "access.break_glass.approve": "A manager allowed a worker emergency access to your record",
    "access.break_glass.refuse": "A manager refused a worker emergency access to your record",
    "access.break_glass.open": "{who} used emergency access to see your record",
    "access.*.end": "A worker's or team's access to your record ended",
    # the front door and casework
    "referral.make": "A referral about you was made",
    "referral.decide": "A decision was made on a referral about you",
    "referral.rate": "{who} recorded how urgent a referral about you was",
    "referral.request": "Another agency was asked what it knows about you",
    "referral.answer": "An agency answered a question about you",
    "referral.feedback": "The agency that referred you was told what happened next",
    "referral.match": "A referral was matched to your record",
    "referral.match_candidates": "{who} checked whether a referral was about you",
    "referral.person_create": "A record of you was started from a referral",
    "case.open": "A case was opened for you",
    "case.close": "Your case was closed",
    "case.open_form": "{who} started to open a case for you",
    "case.close_form": "{who} started to close your case",
    "meeting.record": "A meeting of agencies about you was recorded",
    "enquiry.start": "An enquiry into your safety was started",
    "enquiry.complete": "An enquiry into your safety was finished",
    "assessment.start": "An assessment of your needs was started",
    "assessment.complete": "An assessment of your needs was finished",
    "conference.initial": "A child protection conference about you was recorded",
    "conference.review": "A review conference about you was recorded",
    "plan.start": "A plan to keep you safe was started",
    "plan.close": "A plan to keep you safe was ended",
    "plan.core_group": "A meeting of the group working on your plan was recorded",
    "plan.review_schedule": "The dates to review your plan were set",
    "action.add": "A task in your plan was added",
    "action.complete": "A task in your plan was done",
    "deadline.open": "A deadline was set for work with you",
    "deadline.meet": "Work with you was done by its deadline",
    "deadline.escalate": "A manager was told that work with you was late",
    "deadline.cancel": "A deadline for work with you was cancelled",
    # risk and alerts
    "risk.assessment.create": "A risk assessment about you was completed",
    "risk.assessment.complete": "A risk assessment about you was completed",
    "risk.assessment.approve": "A manager approved a risk assessment about you",
    "risk.assessment.reject": "A manager sent back a risk assessment about you",
    "risk.choose": "{who} started a risk assessment about you",
    "risk.questionnaire": "{who} started a risk assessment about you",
    "alert.raise": "An alert about you was raised with a team",
    "alert.acknowledge": "{who} picked up an alert about you",
    "alert.act": "{who} recorded what was done about an alert about you",
    "alert.dismiss": "{who} closed an alert about you",
    "alert.add_facts": "More information was added to an alert about you",
    "alert.people_merged": "Alerts about you were brought together when your records were joined",
    "alert.task_complete": "A task from an alert about you was done",
    # police work
    "justice.victim.add": "You were recorded as a victim in a police investigation",
    "justice.victim.engagement": "How you are kept informed as a victim was recorded",
    "justice.suspect.add": "Someone was recorded as a suspect in a police investigation",
    "justice.bail.share": "Bail conditions that concern you were shared",
    "justice.duty.done": "Something the police must do for you as a victim was done",
    "justice.expiring.notify": "A worker was reminded that something in your case runs out soon",
    "network.summary.share": "A police summary that mentions you was shared with other agencies",
    "network.summary.withdraw": "A police summary that mentions you was withdrawn",
    "network.report.submit": "Police information that mentions you was recorded",
    "network.entity.flag": "{who} marked information connected with you for attention",
    "network.entity.unflag": "{who} took away a mark for attention from information "
    "connected with you",
    "network.profile.export": "Police information that mentions you was downloaded",
    # support
    "support.plan.open": "Your support plan was started",
    "support.plan.reengage": "Your support started again",
    "support.plan.end": "Your support plan ended",
    "support.plan.lead_worker": "A support worker was made your lead worker",
    "support.referral.send": "A referral to a support service was sent for you",
    "support.referral.start": "A support service started working with you",
    "support.referral.answer": "A support service answered a referral for you",
    "support.referral.chase": "A support service was reminded of a referral for you",
    "support.referral.withdraw": "A referral to a support service for you was withdrawn",
    "support.referral.end": "A support service stopped working with you",
    "support.need.add": "A need was added to your support plan",
    "support.need.met": "A need in your support plan was met",
    "support.goal.set": "A goal was set in your support plan",
    "support.goal.close": "A goal in your support plan was closed",
    "support.review.record": "A review of your support was recorded",
    "support.contact.record": "A contact with you was recorded",
    "support.safe_contact.set": "How to contact you safely was recorded",
    "support.safe_contact.view": "{who} looked at how to contact you safely",
    "support.safe_contact.history": "{who} looked at the past ways of contacting you safely",
    # your feedback to the partnership
    "voice.feedback.record": "Feedback you gave was recorded",
    "voice.feedback.tag": "{who} noted what your feedback was about",
    "voice.consent.give": "What you agreed your feedback may be used for was recorded",
    "voice.consent.withdraw": "You took back your agreement to a use of your feedback",
    "voice.quote.choose": "Words from your feedback were chosen to quote, without your name",
    "voice.quote.remove": "A quote from your feedback was taken down",
    "voice.partnership.view": "Your words were shown to the partnership, without your name",
    "voice.action.create": "Your feedback was linked to something the partnership did",
    "voice.action.link": "Your feedback was linked to something the partnership did",
    "voice.action.view": "{who} looked at something the partnership did after feedback",
    # subject access
    "sar.log": "Your subject access request was logged",
    "sar.log.form": "{who} started to log your subject access request",
    "sar.extend": "The time to answer your subject access request was extended",
    "sar.prepare": "Your subject access request was prepared",
    "sar.pack.view": "The data protection officer read the pack prepared for you",
    "sar.pack.pdf": "The data protection officer downloaded the pack prepared for you",
    "sar.redaction.add": "Something was withheld from the pack prepared for you",
    "sar.redaction.lift": "Something withheld from the pack prepared for you was put back",
    "sar.check": "The pack prepared for you was checked by a data protection officer",
    "sar.release": "The pack prepared for you was released",
    # this log itself
    "audit.person_log": "{who} looked at who has looked at your record",
    "audit.search": "Your record came up in a search of who has looked at what",
    # pages that show many people
    "home": "Your name was shown on a worker's home page",
    "synth": "Lantern made up this record for a demonstration",
}

# Phrases for a code's last part, when no phrase above matched.
LAST_PART: dict[str, str] = {
    "list": "Your name was shown in a list a worker looked at",
    "queue": "Your name was shown in a list of work waiting",
    "inbox": "Your name was shown in a worker's list of alerts",
    "worklist": "Your name was shown in a worker's list of deadlines",
    "team_worklist": "Your name was shown in a team's list of deadlines",
    "search": "Your record came up in a search",
    "export": "Your record was in a file a worker downloaded",
}

# The Data Protection Act 2018 s62 actions: what was done, and what one tried to do.
ACTIONS: dict[str, tuple[str, str]] = {
    "consultation": ("looked at {what}", "look at {what}"),
    "alteration": ("changed {what}", "change {what}"),
    "disclosure": ("shared {what}", "share {what}"),
    "combination": ("linked {what} with other information", "link {what} with other information"),
    "collection": ("collected information for {what}", "collect information for {what}"),
    "erasure": ("erased information from {what}", "erase information from {what}"),
}
ANY_ACTION = ("dealt with {what}", "deal with {what}")

# What a code's first part is about.
AREAS: dict[str, str] = {
    "person": "your record",
    "people": "your record",
    "source_record": "an agency's record of you",
    "event": "your record",
    "relationship": "your record",
    "chronology": "the timeline of your record",
    "linkage": "how your records from different agencies are joined up",
    "access": "who may see your record",
    "referral": "a referral about you",
    "case": "your case",
    "casework": "the work done with you",
    "meeting": "a meeting of agencies about you",
    "enquiry": "an enquiry into your safety",
    "assessment": "an assessment of your needs",
    "conference": "a child protection conference about you",
    "plan": "your plan",
    "action": "a task in your plan",
    "actions": "a task in your plan",
    "deadline": "a deadline for work with you",
    "deadlines": "a deadline for work with you",
    "risk": "a risk assessment about you",
    "alert": "an alert about you",
    "alerts": "an alert about you",
    "justice": "a police investigation or court case involving you",
    "network": "police information that mentions you",
    "support": "your support",
    "voice": "feedback you gave",
    "sar": "your subject access request",
    "audit": "the record of who has looked at your record",
}
ANYTHING = "your record"


def _parts(operation: str) -> list[str]:
    parts = [p for p in (operation or "").strip().lower().split(".") if p]
    if parts[:1] == ["api"]:  # the same thing, asked for through the API
        parts = parts[1:]
    return parts


def _matches(pattern: list[str], parts: list[str]) -> bool:
    return len(pattern) <= len(parts) and all(
        p == "*" or p == part for p, part in zip(pattern, parts, strict=False)
    )


def _phrase(parts: list[str]) -> str | None:
    best, length = None, 0
    for key, phrase in PHRASES.items():
        pattern = key.split(".")
        if len(pattern) > length and _matches(pattern, parts):
            best, length = phrase, len(pattern)
    return best


def _about(parts: list[str]) -> str:
    return AREAS.get(parts[0], ANYTHING) if parts else ANYTHING


def heading(operation: str, action: str, *, refused: bool = False, automatic: bool = False) -> str:
    """The heading a survivor reads for one event in her access log: never a code."""
    parts = _parts(operation)
    who = LANTERN if automatic else WORKER
    done, tried = ACTIONS.get(action, ANY_ACTION)
    if refused:
        return f"{who} tried to {tried.format(what=_about(parts))}, and was not allowed"
    phrase = _phrase(parts) or (LAST_PART.get(parts[-1]) if parts else None)
    if phrase is None:
        phrase = "{who} " + done.format(what=_about(parts))
    return phrase.format(who=who)
