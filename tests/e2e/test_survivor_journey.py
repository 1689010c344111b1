"""Issue 9's journey, in Chromium, over three years of one survivor's life (fictional).

Callie Wrenfield is 16 and known to the council, the police, the NHS and Harbour Survivors'
Service (survivor_scene.py builds her records, the man who exploited her and another girl
her records name). Then, through the pages:

1. Her social worker closes her case. Her support plan with Aisha Rahman goes on: Aisha
   records a contact days later, and the plan is open.
2. She turns 18: the plan says she is now an adult survivor. She no longer wants support,
   and Aisha ends it.
3. A year later she asks for help again: Aisha finds the ended plan and re-engages her on it,
   with no referral to the front door; the plan shows the second spell. Another Harbour
   worker may not, and another agency's worker cannot even see the plan.
4. She asks for her records: the data protection officer logs the request and prepares the
   pack, a second officer checks it, the first releases it. What she will read (the page,
   without the officer's own notes of what each redaction covers, and the released PDF)
   holds her name and none of his details nor the other girl's; each redaction is listed.
5. She tells Aisha how it has been. Aisha records it with her consent to be counted and
   quoted without her name, chooses words to quote, and records the action Harbour took.
   The partnership manager sees the themes counted (five or more, so shown), her words
   quoted without her name, and the action with the feedback behind it.

The demo clock stands at each moment (survivor_scene.py's calendar); the live server runs in
this process and reads the same clock. Screenshots in test-artifacts/survivor-*.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from lantern.audit.models import AuditEvent
from lantern.casework.models import Case
from lantern.core import clock
from lantern.frontdoor.models import Referral
from lantern.support.models import SupportPlan
from lantern.voice.models import ActionFeedback, Feedback, PartnershipAction
from tests.accounts.helpers import sign_in_verified
from tests.sar.conftest import pdf_text
from tests.support.audit_coverage import REFERENCE

from . import survivor_scene as story
from .test_journeys import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def as_user(page, monkeypatch):
    """Sign in afresh as someone, at a moment of the story (the live server's clock too)."""

    def become(username: str, moment: dt.datetime) -> None:
        page.context.clear_cookies()
        monkeypatch.setattr(clock, "_fixed", moment)
        page.goto("/sign-in/")
        sign_in(page, username)
        page.get_by_role("button", name="Sign out").wait_for()

    return become


def confirmed(page, message: str) -> None:
    page.locator(".govuk-notification-banner", has_text=message).wait_for()


def open_form(page, anchor: str) -> None:
    """Open one of a page's folded forms (a <details>), unless a refusal left it open."""
    details = page.locator(f"details#{anchor}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def words_of(page, selector: str = "main") -> str:
    return " ".join(page.inner_text(selector).split())


def test_a_survivors_support_outlives_her_case_and_her_childhood(page, screenshot, as_user):
    scene = story.build()
    try:
        journey(page, screenshot, as_user, scene)
    except BaseException:
        screenshot("survivor-failed")  # the page as it was when the journey stopped
        raise


def journey(page, screenshot, as_user, scene: story.Scene) -> None:
    case_closes_and_support_goes_on(page, screenshot, as_user, scene)
    she_turns_18_and_support_ends(page, screenshot, as_user, scene)
    a_year_later_she_is_re_engaged(page, screenshot, as_user, scene)
    her_records_hide_him_and_the_other_girl(page, screenshot, as_user, scene)
    her_words_reach_the_partnership(page, screenshot, as_user, scene)


# ---------------------------------------------------------------- 1. the case closes
def case_closes_and_support_goes_on(page, screenshot, as_user, scene) -> None:
    callie, plan = scene.callie, scene.plan
    as_user("social.worker", story.CASE_CLOSED)
    page.goto(f"/people/{callie.reference}/")
    page.get_by_role("link", name="Casework: meetings, enquiries").click()
    page.get_by_role("link", name="Close the case").click()
    page.get_by_label("Why the case is closed").fill(
        "Risk reduced: no missing episodes since November and she is attending college. "
        "Harbour's support carries on."
    )
    screenshot("survivor-01-case-close-form")
    page.get_by_role("button", name="Close the case").click()
    confirmed(page, "Case closed.")
    screenshot("survivor-02-case-closed")
    assert not Case.objects.get(pk=scene.case.pk).is_open

    story.reviews_until(plan, story.CONTACT_AFTER)
    as_user("support.worker", story.CONTACT_AFTER)
    page.get_by_role("link", name="Support", exact=True).click()
    page.get_by_role("heading", name="Support plans").wait_for()
    page.locator(f'tr[data-plan="{plan.pk}"]').get_by_role("link", name=story.CALLIE.name).click()
    page.get_by_role("heading", name=story.CALLIE.name).wait_for()
    tags = words_of(page, "main > p.govuk-body >> nth=0")
    assert "Open" in tags and "Child" in tags and "Review overdue" not in tags
    open_form(page, "add-contact")
    page.locator("#contact-method").select_option(label="In person")
    page.locator("#contact-summary").fill(
        f"Met her at college. She has heard that {story.ABUSER.name} is back in Kestrelford "
        "and is frightened. Went through her safety plan again; she has my number."
    )
    page.get_by_role("button", name="Record the contact").click()
    confirmed(page, "Contact recorded.")
    tags = words_of(page, "main > p.govuk-body >> nth=0")
    assert "Open" in tags and "Ended" not in tags
    contacts = words_of(page, "ol.lantern-timeline")
    assert "4 March 2027" in contacts and "Aisha Rahman" in contacts  # after the case closed
    screenshot("survivor-03-plan-goes-on-after-the-case")
    plan.refresh_from_db()
    assert plan.is_open and plan.contacts.count() == 1


# ---------------------------------------------------------------- 2. eighteen
def she_turns_18_and_support_ends(page, screenshot, as_user, scene) -> None:
    plan = scene.plan
    story.reviews_until(plan, story.NOW_ADULT)
    as_user("support.worker", story.NOW_ADULT)
    page.goto(f"/support/plan/{plan.pk}/")
    assert page.inner_text("[data-age-status]") == "Now an adult survivor"
    assert "Turned 18 on 18 September 2028" in page.inner_text("[data-now-adult]")
    screenshot("survivor-04-now-an-adult-survivor")

    open_form(page, "end")
    page.locator("#end-reason").fill(
        "She has started an apprenticeship and does not want support now. She knows she can "
        "ring Harbour at any time."
    )
    page.get_by_role("button", name="End the support").click()
    confirmed(page, "Support ended.")
    assert "Ended" in words_of(page, "main > p.govuk-body >> nth=0")
    screenshot("survivor-05-support-ended")
    plan.refresh_from_db()
    assert not plan.is_open


# ---------------------------------------------------------------- 3. a year later
def a_year_later_she_is_re_engaged(page, screenshot, as_user, scene) -> None:
    callie, plan = scene.callie, scene.plan
    referrals = Referral.objects.count()
    as_user("support.worker", story.A_YEAR_LATER)

    # Another Harbour worker may not re-engage her; another agency's worker cannot see it.
    colleague = sign_in_verified(Client(), story.user("harbour-survivors.support.1"))
    reply = colleague.post(f"/support/plan/{plan.pk}/reengage/", {"reason": "She rang"})
    assert reply.status_code == 400
    assert "Only Aisha Rahman" in reply.content.decode()
    outsider = sign_in_verified(Client(), story.user("kestrelford-youth.detached.1"))
    assert outsider.get(f"/support/plan/{plan.pk}/").status_code == 404
    reply = outsider.post(f"/support/plan/{plan.pk}/reengage/", {"reason": "She rang"})
    assert reply.status_code == 404
    plan.refresh_from_db()
    assert not plan.is_open

    page.get_by_role("link", name="Support", exact=True).click()
    page.get_by_role("link", name="Ended plans (1)").click()
    row = page.locator(f'tr[data-plan="{plan.pk}"]')
    assert story.CALLIE.name in row.inner_text()
    screenshot("survivor-06-ended-plans")
    row.get_by_role("link", name="Re-engage").click()
    open_form(page, "reengage")
    page.locator("#reengage-reason").fill(
        "She rang: the trial date is set and she cannot sleep. She asked for Aisha."
    )
    screenshot("survivor-07-reengage-form")
    page.get_by_role("button", name="Start support again").click()
    confirmed(page, "Support started again on her plan, with no new referral.")
    spells = page.locator("[data-engagements]")
    assert spells.get_attribute("data-engagements") == "2"
    assert "Re-engaged, no new referral: She rang: the trial date is set" in spells.inner_text()
    assert "Open" in words_of(page, "main > p.govuk-body >> nth=0")
    screenshot("survivor-08-re-engaged")

    plan.refresh_from_db()
    assert plan.is_open and plan.lead_worker.username == "support.worker"
    assert Referral.objects.count() == referrals
    assert not Referral.objects.filter(person=callie).exists()
    assert SupportPlan.objects.filter(person=callie).count() == 1


# ---------------------------------------------------------------- 4. her records
def her_records_hide_him_and_the_other_girl(page, screenshot, as_user, scene) -> None:
    callie = scene.callie
    as_user("dpo", story.SAR_LOGGED)
    page.get_by_role("link", name="Subject access", exact=True).click()
    page.get_by_role("link", name="Log a request").click()
    page.get_by_label("The person's Lantern reference").fill(callie.reference)
    page.get_by_label("The day the request was received").fill(f"{story.SAR_RECEIVED:%-d %-m %Y}")
    page.get_by_label("The person themselves").check()
    page.get_by_label("Identity documents seen").check()
    page.get_by_label("Notes on the check").fill("Passport seen by Aisha Rahman at Harbour")
    page.get_by_role("button", name="Log the request").click()
    confirmed(page, "logged: due 8 November 2029")
    reference = re.search(r"/subject-access/([^/]+)/$", page.url).group(1)
    page.get_by_role("button", name="Prepare the pack").click()
    confirmed(page, "Pack prepared")
    screenshot("survivor-09-sar-prepared")

    page.get_by_role("link", name="Read the pack, with its redactions").click()
    page.get_by_role("heading", name=f"What {story.CALLIE.name} will read").wait_for()
    assert page.locator("mark.sar-redaction").count() >= 5
    listed = page.locator("#redaction-list tbody tr")
    assert listed.count() >= 5
    kinds = page.inner_text("#redaction-list")
    assert "Name of another person" in kinds and "Identifier of another person" in kinds
    screenshot("survivor-10-sar-pack-preview")
    # The officer alone sees what each redaction covers (so his name is on this page); take
    # those notes away, and what is left is what she will read.
    assert story.ABUSER.name in words_of(page)
    page.evaluate("document.querySelectorAll('.sar-covers').forEach(n => n.remove())")
    shown = words_of(page)
    assert story.CALLIE.name in shown and "[redacted R1]" in shown
    assert not [f for f in scene.forbidden if f.lower() in shown.lower()]

    story.second_dpo()  # a pack is checked by another officer than the one who prepared it
    as_user("dpo.second", story.SAR_CHECKED)
    page.get_by_role("link", name="Subject access", exact=True).click()
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Notes on the check").fill("Read in full against the list of redactions")
    page.get_by_role("button", name="The pack is checked").click()
    confirmed(page, "Checked: the PDF is ready to release")
    screenshot("survivor-11-sar-checked")

    as_user("dpo", story.SAR_RELEASED)
    page.goto(f"/subject-access/{reference}/")
    page.get_by_label("Released in full").check()
    page.get_by_role("button", name="Release the pack").click()
    refused = page.locator("#release .govuk-error-summary")
    refused.wait_for()  # police intelligence about her is withheld: not "in full"
    assert "release it as withheld in part, with the reason" in refused.inner_text()
    screenshot("survivor-12-sar-release-refused")
    page.get_by_label("Released with some of the person's own information withheld").check()
    page.get_by_label("Why some of the person's own information is withheld").fill(
        "Police intelligence about you is withheld: releasing it could harm the prevention "
        "or detection of crime."
    )
    page.get_by_role("button", name="Release the pack").click()
    confirmed(page, "Released: download the PDF")
    released = AuditEvent.objects.filter(
        action="disclosure", operation="sar.release", subjects__person_id=callie.pk
    )
    assert released.distinct().count() == 1
    screenshot("survivor-13-sar-released")
    with page.expect_download() as download:
        page.locator("#pdf-link").click()
    with open(download.value.path(), "rb") as pdf:
        words = pdf_text(pdf.read())
    flat = " ".join(words.split())
    assert story.CALLIE.name in flat and "[redacted R1]" in flat
    assert f"{story.ABUSER.name} is back in Kestrelford" not in flat  # her support's contact
    assert not [f for f in scene.forbidden if f.lower() in flat.lower()]


# ---------------------------------------------------------------- 5. her voice
def her_words_reach_the_partnership(page, screenshot, as_user, scene) -> None:
    callie = scene.callie
    others = story.other_voices()
    story.reviews_until(scene.plan, story.FEEDBACK_RECORDED)

    as_user("support.worker", story.FEEDBACK_RECORDED)
    page.get_by_role("link", name="Voice", exact=True).click()
    page.get_by_role("link", name="Record feedback").click()
    page.get_by_label("What they said").fill(story.HER_WORDS)
    page.get_by_label("The day they said it").fill(f"{story.FEEDBACK_GIVEN:%-d %-m %Y}")
    page.get_by_label("In person, to a worker").check()
    page.get_by_label("An adult survivor").check()
    page.get_by_label("Who it is about or from (optional)").fill(callie.reference)
    page.get_by_label("The agency may learn from it").check()
    page.get_by_label("It may be counted, without their name, in the partnership's view").check()
    page.get_by_label("Their words may be quoted, without their name").check()
    page.get_by_label("How they agreed (optional)").fill("Said so at the end of our session")
    page.get_by_label("Continuity of worker").check()
    page.get_by_label("Being believed").check()
    page.get_by_label("Positive").check()
    page.get_by_role("button", name="Record feedback").click()
    confirmed(page, "Feedback recorded.")
    hers = Feedback.objects.get(person=callie)
    open_form(page, "quote")
    page.get_by_label("Words to quote").fill(story.HER_QUOTE)
    page.get_by_role("button", name="Choose these words").click()
    confirmed(page, "Quote chosen")
    screenshot("survivor-14-her-feedback")

    page.get_by_role("link", name="Record an action this feedback led to").click()
    assert "feedback given 5 November 2029" in page.inner_text("#behind")
    page.get_by_label("What was done, in a line").fill(story.ACTION_TITLE)
    page.get_by_label("You said", exact=True).fill(
        "Being handed from worker to worker meant telling it all again, and not being believed."
    )
    page.get_by_label("We did", exact=True).fill(
        "Harbour now gives every survivor one named worker from the first contact, who stays "
        "for as long as support lasts and picks it up again if they come back."
    )
    page.get_by_label("Continuity of worker").check()
    page.get_by_label("Under way").check()
    page.get_by_role("button", name="Record the action").click()
    confirmed(page, "Action recorded.")
    action = PartnershipAction.objects.get(title=story.ACTION_TITLE)
    assert ActionFeedback.objects.filter(action=action, feedback=hers).exists()
    story.link_other_voices(action, others, story.FEEDBACK_RECORDED)
    page.reload()
    assert page.locator("#behind-count [data-count]").get_attribute("data-count") == "6"
    mine = page.locator(f'#own-items tr[data-feedback="{hers.pk}"]')
    assert story.CALLIE.name in mine.inner_text()  # Harbour's worker sees whose it is
    screenshot("survivor-15-action-with-her-feedback")

    as_user("partnership.manager", story.PARTNERSHIP_READS)
    page.get_by_role("link", name="Voice", exact=True).click()
    page.get_by_role("link", name="The partnership's view").click()
    page.get_by_role("heading", name="What children, families and survivors told us").wait_for()
    for theme in story.THEMES:
        row = page.locator(f'#by-theme tr[data-row="{theme}"] td').last
        assert row.get_attribute("data-count") == "6", theme
    counts = re.findall(r'data-count="(\d+)"', page.content())
    assert counts and not [c for c in counts if 0 < int(c) < 5]
    quoted = words_of(page, "#in-their-words")
    assert story.HER_QUOTE in quoted and "Oct to Dec 2029" in quoted
    assert "Aisha" not in quoted
    never_her(page, callie)
    screenshot("survivor-16-partnership-view")

    page.locator("#recent-actions").get_by_role("link", name=story.ACTION_TITLE).click()
    page.get_by_role("heading", name=story.ACTION_TITLE).wait_for()
    assert page.locator("#behind-count [data-count]").get_attribute("data-count") == "6"
    assert story.HER_QUOTE in words_of(page, "main")
    assert page.locator("#own-items").count() == 0  # the feedback itself stays with Harbour
    never_her(page, callie)
    screenshot("survivor-17-you-said-we-did")

    hidden = page.goto(f"/voice/feedback/{hers.pk}/")  # her words themselves: Harbour's alone
    assert hidden.status == 404 and "Page not found" in page.content()
    never_her(page, callie)


def never_her(page, callie) -> None:
    """Nothing on the page names her or carries anyone's Lantern reference."""
    html = page.content()
    assert callie.reference not in html and not REFERENCE.search(html.encode())
    for name in (story.CALLIE.given, story.CALLIE.family):
        assert name.lower() not in html.lower(), name
