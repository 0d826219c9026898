"""The procedural step of a docket entry, read from real CM/ECF descriptions, and the news
steps that report it (monitor/grouping/steps.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alerts.base import EVENT_LABELS
from monitor.grouping.events import _HEADLINE, EVENTS, headline, sides, tag_event
from monitor.grouping.steps import (
    DOCKET_STEPS,
    REPORTED_AS,
    docket_step,
    event_of,
    reported_by,
)
from monitor.text.normalise import Words

FIXTURES = Path(__file__).parent / "fixtures"


def _pacer_short_descriptions() -> set[str]:
    return {entry["short_description"]
            for path in (FIXTURES / "pacer").glob("*.expected.json")
            for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]}


def _recap_descriptions() -> tuple[set[str], set[str]]:
    """The long descriptions of the RECAP docket entries, and their documents' short ones."""
    entries = json.loads((FIXTURES / "courtlistener" / "docket_entries.json").read_text())
    return ({entry["description"] for entry in entries},
            {doc["description"] for entry in entries for doc in entry["recap_documents"]})


PACER_SHORT = _pacer_short_descriptions()
RECAP_LONG, RECAP_SHORT = _recap_descriptions()

# Short descriptions of real CM/ECF RSS feeds (tests/fixtures/pacer), as the courts wrote them.
FEED_STEPS = [
    ("Complaint", "complaint_filed"),
    ("Petition (Other)", "complaint_filed"),
    ("Crossclaim", "complaint_filed"),  # a new claim, pleaded like a complaint
    ("Miscellaneous Motion", "motion"),
    ("Dismiss", "motion"),  # S.D.N.Y. names a motion by its relief
    ("Discovery", "motion"),
    ("Preclude", "motion"),
    ("Order", "ruling"),
    ("Order AND Order(Other)", "ruling"),
    ("Order Dismissing Case", "ruling"),
    ("Order Dismissing Parties", "ruling"),
    ("Order to Show Cause", "ruling"),
    ("Memorandum & Opinion", "ruling"),
    ("Opinion", "ruling"),
    ("Opinion Issued", "ruling"),
    ("Order filed", "ruling"),
    ("Court order filed", "ruling"),
    ("judge order filed", "ruling"),
    ("ruling", "ruling"),
    ("Motion Order FILED", "ruling"),
    ("Unpublished per curiam opinion filed", "ruling"),
    ("unpublished opinion and judgment filed", "ruling"),
    ("Case termination for opinion", "ruling"),
    ("Judgment", "judgment"),
    ("Judgment order filed", "judgment"),
    ("Judgment Filed (Merits Panel)", "judgment"),
    ("Case termination for order and judgment", "judgment"),
]
# ... and the housekeeping and the papers of the parties, which no news reports
FEED_HOUSEKEEPING = [
    "~Util - Set Hearings",
    "Order(Other) AND ~Util - Set Deadlines",
    "Order AND Scheduling Order",
    "So-Ordered Scheduling Notification FILED",
    "Status Report Order",
    "Pretrial Order",
    "Strike Order FILED",
    "Briefing order filed",
    "Informal briefing order filed",
    "clerk order filed",
    "Order Filed (CLERK)",
    "ruling letter sent",
    "Case termination without a panel",
    "Order on Motion for Extension of Time to File",
    "Order on Motion for Extension of Time to Answer",
    "Order on Motion for Extension of Time to Complete Discovery",
    "Order on Motion to Adjourn Conference",
    "Order on Motion for Pre Motion Conference",
    "Order on Motion for Protective Order",
    "Order on Motion to Withdraw",
    "Extension of Time",
    "Adjourn Conference",
    "Notice, Adjournment of Hearing",
    "Notice of Appearance",
    "Notice of Attorney Appearance - USA",
    "Civil Cover Sheet",
    "Answer to Complaint",
    "Letter",
    "Memorandum of Law in Support of Motion",
    "Reply Memorandum of Law in Support of Motion",
    "Declaration in Support of Motion",
    "Response in Opposition to Motion",
    "Request for Issuance of Summons",
    "Rule 7.1 Corporate Disclosure Statement",
    "Agreement to Forfeit Property",
    # bankruptcy: a debtor's petition asks for relief from creditors; it sues no one
    "Voluntary Petition (Chapter 13)",
    "Amended Voluntary Petition",
    "Order of Final Decree (BNC)",
    "Discharge of Debtor and Order of Final Decree (BNC)",
    "Transfer Agreement FRBP 3001(e) (NON CLAIMS AGENT CASES)",
    "Close Bankruptcy Case",
    "Add Judge AND Add Trustee",
]

# Long descriptions of real RECAP docket entries (tests/fixtures/courtlistener), with the
# short description of the entry's document.
RECAP_STEPS = [
    ("COMPLAINT against Twitter, Inc. ( Filing fee $ 402, receipt number 0971-15638432.). "
     "Filed byJohn Doe #1, John Doe #2. (Attachments: # 1 Civil Cover Sheet)(Haba, Lisa) "
     "(Filed on 1/20/2021)", "Complaint", "complaint_filed"),
    ("FIRST AMENDED COMPLAINT against Twitter, Inc.. Filed byJohn Doe #1, John Doe #2. "
     "(Haba, Lisa) (Filed on 4/6/2021)", "Amended Complaint", "amended_complaint"),
    ("MOTION to Dismiss First Amended Complaint filed by Twitter, Inc.. Motion Hearing set for "
     "8/11/2021 09:30 AM in San Francisco, - Videoconference Only before Magistrate Judge "
     "Joseph C. Spero. Responses due by 6/18/2021. Replies due by 7/2/2021. (Attachments: # 1 "
     "Proposed Order)(Kramer, Michael) (Filed on 5/4/2021)",
     "MOTION to Dismiss First Amended Complaint", "motion"),
    ("Minute Entry for proceedings held before Magistrate Judge Joseph C. Spero: Motion "
     "Hearing held by Zoom webinar on 8/11/2021 re 48 MOTION to Dismiss. Motion taken under "
     "submission; written order to issue. Total Time in Court: 1 hour, 2 minutes. Court "
     "Reporter: Belle Ball. (klh, COURT STAFF) (Date Filed: 8/11/2021)", None, "hearing"),
    ("ORDER GRANTING IN PART AND DENYING IN PART 48 MOTION TO DISMISS. Signed by Magistrate "
     "Judge Joseph C. Spero on 8/19/2021. (jcslc2, COURT STAFF) (Filed on 8/19/2021)",
     "Order on Motion to Dismiss", "ruling"),
    ("NOTICE of Appearance by Michael Kramer of Orrick, Herrington & Sutcliffe LLP on behalf of "
     "Twitter, Inc. (Kramer, Michael) (Filed on 2/9/2021)", "Notice of Appearance", None),
    ("RESPONSE (re 48 MOTION to Dismiss ) filed byJohn Doe #1, John Doe #2. (Attachments: # 1 "
     "Declaration of Lisa Haba, # 2 Proposed Order)(Wiese, Christen) (Filed on 6/18/2021)",
     "Opposition/Response to Motion", None),
    ("REPLY (re 48 MOTION to Dismiss ) filed byTwitter, Inc.. (Kramer, Michael) (Filed on "
     "7/2/2021)", "Reply to Opposition/Response", None),
]

# Steps the fixtures have no entry of, in the courts' standard CM/ECF docket wording
# (district courts' event texts as they appear on dockets; names are placeholders).
STANDARD_STEPS = [
    ("MOTION to Dismiss for Failure to State a Claim filed by Meta Platforms, Inc.", "motion"),
    ("MOTION for Summary Judgment filed by Dominion Voting Systems", "motion"),
    ("LETTER MOTION for Discovery addressed to Judge Ronnie Abrams", "motion"),
    ("MOTION for Preliminary Injunction filed by X Corp.", "motion"),
    ("ORDER granting 40 Motion for Summary Judgment. Signed by Judge Eric M. Davis", "ruling"),
    ("MEMORANDUM OPINION AND ORDER granting in part 12 Motion to Dismiss", "ruling"),
    ("OPINION AND ORDER re: 22 MOTION to Dismiss", "ruling"),
    ("MEMORANDUM OF DECISION granting Motion to Dismiss", "ruling"),
    ("REPORT AND RECOMMENDATIONS re 30 MOTION to Dismiss", "ruling"),
    ("JUDGMENT in favor of Defendant against Plaintiff. Signed by Judge X", "judgment"),
    ("CLERK'S JUDGMENT that the action be dismissed", "judgment"),
    ("JUDGMENT IN A CRIMINAL CASE as to Samuel Bankman-Fried (1), Count(s) 1-7", "sentencing"),
    ("Minute Entry for proceedings held before Judge Lewis A. Kaplan: Sentencing held on "
     "3/28/2024 for Samuel Bankman-Fried (1)", "sentencing"),
    ("Minute Entry for proceedings held before Judge X: Jury Trial held on 5/2/2022",
     "hearing"),
    ("Minute Entry for proceedings held before Judge X: Evidentiary Hearing held on 4/6/2021",
     "hearing"),
    ("JURY VERDICT as to Elizabeth A. Holmes", "verdict"),
    ("VERDICT FORM", "verdict"),
    ("NOTICE OF APPEAL to the 9th Circuit Court of Appeals filed by Amber Heard", "appeal"),
    ("NOTICE OF INTERLOCUTORY APPEAL by Twitter, Inc.", "appeal"),
    ("AMENDED NOTICE OF APPEAL re 84 Judgment", "appeal"),
    ("AMENDED COMPLAINT against Twitter, Inc., filed by John Doe #1", "amended_complaint"),
    ("SECOND AMENDED COMPLAINT against All Defendants", "amended_complaint"),
    ("SUPERSEDING INDICTMENT as to Samuel Bankman-Fried (1) count(s) 1s-13s",
     "amended_complaint"),
    ("INDICTMENT as to Samuel Bankman-Fried (1) count(s) 1-8", "complaint_filed"),
    ("NOTICE OF REMOVAL from Superior Court of California, County of San Francisco",
     "complaint_filed"),
    ("ANSWER to Complaint with Jury Demand , COUNTERCLAIM against Johnny Depp",
     None),  # the answer leads; its counterclaim is an event of its own (see below)
    ("NOTICE of Settlement", "settlement"),
    ("ORDER GRANTING FINAL APPROVAL OF CLASS ACTION SETTLEMENT", "settlement"),
    ("MOTION for Preliminary Approval of Class Action Settlement", "settlement"),
    ("SETTLEMENT AGREEMENT", "settlement"),
    ("Minute Entry for proceedings held before Judge X: Status Conference held on 4/6/2021",
     None),
    ("Minute Entry for proceedings held before Judge X: Settlement Conference held", None),
    ("MOTION for Extension of Time to File Answer re 1 Complaint", None),
    ("MOTION for Leave to Appear Pro Hac Vice", None),
    ("MOTION to Seal Document", None),
    ("MOTION to Withdraw as Attorney", None),
    ("LETTER MOTION to Adjourn Conference addressed to Judge Ronnie Abrams", None),
    ("MOTION to Continue Trial", None),
    ("MOTION for Leave to File Excess Pages", None),
    ("ORDER granting 25 Motion for Extension of Time to Answer", None),
    ("ORDER SETTING INITIAL CASE MANAGEMENT CONFERENCE AND ADR DEADLINES", None),
    ("SCHEDULING ORDER: Discovery due by 6/1/2022", None),
    ("ORDER granting 31 Motion to Seal", None),
    ("ORDER Setting Hearing on Motion 48 MOTION to Dismiss", None),
    ("ORDER granting 17 Motion to Set Aside Default", "ruling"),
    ("NOTICE of Hearing on Motion 48 MOTION to Dismiss", None),
    ("NOTICE of Voluntary Dismissal", None),
    ("MEMORANDUM in Opposition re 48 MOTION to Dismiss", None),
    ("STIPULATION AND [PROPOSED] ORDER extending time to answer", None),
    ("TRANSCRIPT of Proceedings held on 8/11/2021", None),
    ("SENTENCING MEMORANDUM by Samuel Bankman-Fried", None),
]
# event names of one entry, joined as CM/ECF joins them in the RSS short description
JOINED_EVENTS = [
    ("Answer to Complaint AND Counterclaim", "complaint_filed"),
    ("Order on Motion to Dismiss AND ~Util - Set Deadlines/Hearings", "ruling"),
    ("Jury Trial AND Jury Verdict", "verdict"),
    ("Motion Hearing", "hearing"),
    ("Jury Trial", "hearing"),
    ("Sentencing", "sentencing"),
    ("Status Conference", None),
]


@pytest.mark.parametrize(("short", "step"), FEED_STEPS)
def test_a_real_feed_entry_is_the_step_of_its_document_type(short: str, step: str) -> None:
    assert short in PACER_SHORT
    assert docket_step(short) == step


@pytest.mark.parametrize("short", FEED_HOUSEKEEPING)
def test_a_real_housekeeping_feed_entry_is_no_step(short: str) -> None:
    assert short in PACER_SHORT
    assert docket_step(short) is None


@pytest.mark.parametrize(("long", "short", "step"), RECAP_STEPS)
def test_a_real_docket_entry_is_the_same_step_by_its_long_or_short_description(
        long: str, short: str | None, step: str | None) -> None:
    assert long in RECAP_LONG
    assert docket_step("", long) == step
    if short is not None:
        assert short in RECAP_SHORT
        assert docket_step(short, long) == step


def test_the_short_description_names_the_step_when_there_is_one() -> None:
    assert docket_step("Order on Motion to Dismiss", "MOTION to Dismiss") == "ruling"
    assert docket_step("  ", "ORDER GRANTING 45 MOTION TO DISMISS. Signed by Judge X") == "ruling"
    assert docket_step("", "") is None


@pytest.mark.parametrize(("long", "step"), STANDARD_STEPS)
def test_the_courts_standard_wording_is_its_step(long: str, step: str | None) -> None:
    assert docket_step("", long) == step


@pytest.mark.parametrize(("short", "step"), JOINED_EVENTS)
def test_an_entry_of_several_events_is_named_by_those_that_say_what_it_is(
        short: str, step: str | None) -> None:
    assert docket_step(short) == step


def test_the_fixtures_have_a_shape_for_the_steps_the_feeds_carry() -> None:
    found = {docket_step(short) for short in PACER_SHORT} | {
        docket_step("", long) for long in RECAP_LONG}
    assert {"complaint_filed", "amended_complaint", "motion", "ruling", "judgment",
            "hearing"} <= found
    assert found - {None} <= set(DOCKET_STEPS)


def _article_step(caption: str, title: str) -> str | None:
    """The step an article reports, as grouping reads its headline."""
    words = Words.of(title, "")
    return headline(words, sides([caption])).step or tag_event(words)


# Real headlines of news reports of each step, with the case they report.
HEADLINES = [
    ("complaint_filed", "Doe v. Twitter, Inc.",
     "Twitter sued for allegedly declining to remove child porn video"),
    ("complaint_filed", "The New York Times Company v. Microsoft Corporation",
     "The Times Sues OpenAI and Microsoft Over A.I. Use of Copyrighted Work"),
    ("amended_complaint", "Musk v. Altman",
     "Elon Musk Sues Microsoft in an Amended Version of OpenAI Lawsuit"),
    ("amended_complaint", "Musk v. Altman",
     "Musk's amended lawsuit against OpenAI names Microsoft as defendant"),
    ("motion", "Federal Trade Commission v. Meta Platforms, Inc.",
     "Meta asks judge to dismiss FTC suit"),
    ("ruling", "Trump v. CNN", "Judge tosses Trump's lawsuit against CNN"),
    ("ruling", "SEC v. Ripple Labs, Inc.",
     "Ripple wins partial victory as judge rules XRP not a security"),
    ("judgment", "Trump v. CNN", "Judge tosses Trump's lawsuit against CNN"),
    ("judgment", "Depp v. Heard", "Jury finds Johnny Depp was defamed by Amber Heard"),
    ("hearing", "United States v. Trump",
     "Trump attends closed-door hearing in classified documents case"),
    ("verdict", "Depp v. Heard", "Jury finds Johnny Depp was defamed by Amber Heard"),
    ("verdict", "Depp v. Heard", "Amber Heard defamed Johnny Depp, jury finds"),
    ("settlement", "US Dominion, Inc. v. Fox News Network, LLC",
     "Fox settles Dominion lawsuit for $787.5 million"),
    ("settlement", "US Dominion, Inc. v. Fox News Network, LLC",
     "Fox, Dominion reach $787M settlement over election claims"),
    ("appeal", "Depp v. Heard", "Amber Heard files notice of appeal"),
    ("sentencing", "United States v. Bankman-Fried",
     "Sam Bankman-Fried sentenced to 25 years in prison"),
]
# A headline of one step is not the report of another.
NOT_REPORTED = [
    ("motion", "Trump v. CNN", "Judge tosses Trump's lawsuit against CNN"),
    ("ruling", "Federal Trade Commission v. Meta Platforms, Inc.",
     "Meta asks judge to dismiss FTC suit"),
    ("hearing", "Depp v. Heard", "Jury finds Johnny Depp was defamed by Amber Heard"),
    ("ruling", "Depp v. Heard", "Amber Heard files notice of appeal"),
    ("complaint_filed", "Trump v. CNN", "Judge tosses Trump's lawsuit against CNN"),
    ("verdict", "United States v. Bankman-Fried",
     "Sam Bankman-Fried sentenced to 25 years in prison"),
    ("amended_complaint", "US Dominion, Inc. v. Fox News Network, LLC",
     "Fox settles Dominion lawsuit for $787.5 million"),
    ("appeal", "Doe v. Twitter, Inc.",
     "Twitter sued for allegedly declining to remove child porn video"),
]
# Real headlines whose step the headline reader does not yet name (see events.py).
UNREAD = [
    # hearing coverage: the headline's first step word is "Judge", read as a ruling
    ("hearing", "Musk v. Altman", "OpenAI Judge Rips Musk's 'Broad' Bid To Block For-Profit"),
    # an amended complaint told as an amended, expanded or added-to lawsuit
    ("amended_complaint", "Musk v. Altman",
     "Elon Musk adds Microsoft to lawsuit against ChatGPT-maker OpenAI"),
]


def test_every_docket_step_has_a_real_headline() -> None:
    assert {step for step, _, _ in HEADLINES} == set(DOCKET_STEPS)


@pytest.mark.parametrize(("step", "caption", "title"), HEADLINES)
def test_a_real_headline_of_the_step_reports_the_entry(step: str, caption: str,
                                                       title: str) -> None:
    assert reported_by(step, _article_step(caption, title))


@pytest.mark.parametrize(("step", "caption", "title"), NOT_REPORTED)
def test_a_headline_of_another_step_does_not_report_the_entry(step: str, caption: str,
                                                              title: str) -> None:
    assert _article_step(caption, title) is not None
    assert not reported_by(step, _article_step(caption, title))


@pytest.mark.parametrize(("step", "caption", "title"), [
    pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason="events.py lacks the phrase"))
    for case in UNREAD])
def test_headline_shapes_the_reader_misses(step: str, caption: str, title: str) -> None:
    assert reported_by(step, _article_step(caption, title))


def test_no_step_is_reported_by_nothing_and_nothing_by_any_step() -> None:
    assert not reported_by(None, "ruling")
    assert not reported_by("ruling", None)
    assert not reported_by(None, None)
    assert not reported_by("ruling", "scheduling")


def test_every_docket_step_is_reported_and_carries_a_development_event() -> None:
    assert set(REPORTED_AS) == set(DOCKET_STEPS)
    for step in DOCKET_STEPS:
        assert REPORTED_AS[step]
        assert event_of(step) in EVENT_LABELS
    assert event_of("judgment") == "ruling"
    assert all(event_of(step) == step for step in DOCKET_STEPS if step != "judgment")


def test_an_entry_is_reported_only_by_steps_the_headline_reader_names() -> None:
    article_steps = set(EVENTS) | {step for step, _ in _HEADLINE}
    for reported in REPORTED_AS.values():
        assert reported <= article_steps


def test_an_entry_is_reported_by_its_own_event() -> None:
    assert all(reported_by(step, event_of(step)) for step in DOCKET_STEPS)
