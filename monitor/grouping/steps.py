"""The procedural step a court docket entry is, and the news steps that report it.

A docket entry and an article about the same case tell of the same development when
the entry is the step the article reports: an order on a motion to dismiss is the news
of "Judge tosses lawsuit", a notice of appeal that of "Heard files notice of appeal".
`docket_step` names the step an entry is from its CM/ECF description, read by its
leading document type ("ORDER GRANTING 45 MOTION TO DISMISS" is an order, whatever
motion it names; "Memorandum of Law in Support of Motion" is a party's brief, not an
opinion). Entries that move no news — the calendar, the papers, the lawyers: scheduling
orders, extensions, sealing, appearances, letters, briefs — are None, as is anything
unclear, so that they are never taken for the step an article reports. So are a
pretrial order (it fixes the trial's issues and calendar, and no news tells of it), an
appellate clerk's or strike order (procedural), and a bankruptcy petition (a debtor asks
for relief from creditors; it sues no one). A counterclaim or crossclaim is a new claim,
pleaded like a complaint and told as one ("countersues").

`REPORTED_AS` names the article steps (those of `monitor.grouping.events`) that report
each docket step, and `reported_by` asks it; `event_of` is the development event a
filing of a step carries.
"""

from __future__ import annotations

import re

from monitor.text.normalise import clean, tokens

DOCKET_STEPS: tuple[str, ...] = (
    "complaint_filed", "amended_complaint", "motion", "ruling", "judgment", "hearing",
    "verdict", "settlement", "appeal", "sentencing")

# docket step -> the article steps that report it. A judgment ends a case: the news tells
# of it as the ruling it carries out or the verdict it enters. An amended complaint is
# reported as a new suit as often as an amended one ("Musk sues Microsoft in amended
# lawsuit"). A settlement ends the suit, which news tells as its dropping.
REPORTED_AS: dict[str, frozenset[str]] = {
    "complaint_filed": frozenset({"complaint_filed"}),
    "amended_complaint": frozenset({"amended_complaint", "complaint_filed"}),
    "motion": frozenset({"motion"}),
    "ruling": frozenset({"ruling"}),
    "judgment": frozenset({"ruling", "verdict"}),
    "hearing": frozenset({"hearing"}),
    "verdict": frozenset({"verdict"}),
    "settlement": frozenset({"settlement", "withdrawal"}),
    "appeal": frozenset({"appeal"}),
    "sentencing": frozenset({"sentencing"}),
}
# a judgment is the development of the ruling it enters
_EVENT = {"judgment": "ruling"}
# when one entry is several events, the weightiest names it
_WEIGHT = ("sentencing", "verdict", "judgment", "settlement", "ruling", "appeal", "hearing",
           "amended_complaint", "complaint_filed", "motion")

Seq = tuple[str, ...]

# CM/ECF joins the events of one entry with a capital AND: "Order AND Scheduling Order"
_EVENTS_JOINED = re.compile(r"\s+AND\s+")
# a long description's document type and subject end at its first sentence, attachment
# list or filer ("... MOTION TO DISMISS. Signed by Judge ..."); an initial ("Joseph C.
# Spero") ends no sentence
_LONG_END = re.compile(
    r"(?<![\s.][A-Z])\.\s+(?=[A-Z][a-z])|[(;]|(?i:\b(?:filed|signed|entered)\s+by\b)")
_OPENING = 24  # words of an entry read for its type and subject

# The entry is housekeeping when its subject is the calendar, the papers or the lawyers.
_HOUSEKEEPING_WORDS = frozenset({
    "scheduling", "schedule", "rescheduling", "briefing", "extension", "enlargement",
    "adjourn", "adjourning", "adjournment", "adjourned", "continue", "continuing",
    "continued", "continuance", "postpone", "postponing", "conference", "pretrial",
    "status", "seal", "sealed", "sealing", "redact", "redaction", "redactions", "withdraw",
    "withdrawal", "substitution", "appearance", "hac", "clerk", "mediation", "mediator",
    "adr", "reassigning", "reassigned", "reassignment", "referring", "referral",
    "transcript", "deadline", "deadlines", "util", "pages", "protective", "pauperis"})
_HOUSEKEEPING_PHRASES: tuple[Seq, ...] = (
    ("leave", "to", "file"), ("page", "limit"), ("page", "limits"), ("final", "decree"),
    ("extend", "time"), ("extending", "time"), ("filing", "fee"), ("case", "management"))
_SETTING = frozenset({"set", "setting", "reset", "resetting"})  # but "set aside" decides
_SETTLEMENT_PHRASES: tuple[Seq, ...] = (
    ("settlement",), ("settle",), ("settled",), ("consent", "decree"), ("consent", "judgment"))

# words before "motion" that leave it a motion: "LETTER MOTION", "Joint Emergency Motion"
_MOTION_KINDS = frozenset({
    "letter", "joint", "emergency", "consent", "unopposed", "renewed", "amended", "cross",
    "ex", "parte", "expedited", "miscellaneous", "omnibus", "supplemental", "corrected",
    "first", "second", "third", "fourth", "partial", "sealed", "motion"})
# S.D.N.Y. feeds name a motion by its relief alone: "[Dismiss]", "[Discovery]"
_RELIEFS: tuple[Seq, ...] = (
    ("dismiss",), ("summary", "judgment"), ("partial", "summary", "judgment"), ("discovery",),
    ("preclude",), ("compel",), ("sanctions",), ("remand",), ("transfer",), ("change", "venue"),
    ("reconsideration",), ("reconsider",), ("new", "trial"), ("intervene",),
    ("class", "certification"), ("certify", "class"), ("stay",), ("strike",), ("quash",),
    ("in", "limine"), ("vacate",), ("disqualify", "counsel"), ("contempt",),
    ("compel", "arbitration"), ("consolidate",), ("attorney", "fees"))

# words before a complaint's or petition's name that leave it one: "First Amended
# Verified Class Action Complaint", "Superseding Indictment"
_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                       "1st", "2nd", "3rd", "4th", "5th", "6th", "7th"})
_PLEADING_KINDS = _ORDINALS | frozenset({
    "amended", "superseding", "corrected", "consolidated", "verified", "class", "action",
    "shareholder", "derivative", "sealed", "redacted", "criminal", "original"})
_AMENDING = frozenset({"amended", "superseding"})
_CHARGES = frozenset({"complaint", "indictment", "information", "counterclaim",
                      "counterclaims", "crossclaim", "crossclaims"})
_CHARGE_PAIRS = frozenset({("party", "complaint"), ("cross", "claim"), ("counter", "claim")})
# the documents a court decides by
_DECISIONS = frozenset({"order", "opinion", "ruling", "decision"})
_DECISION_KINDS = frozenset({"judge", "court", "motion", "minute", "text", "electronic",
                             "paperless", "endorsed", "unpublished", "published", "per",
                             "curiam", "summary", "memorandum", "and", "amended", "informal",
                             "report", "case", "management", "initial"})


def _has(words: Seq, phrase: Seq) -> bool:
    """`phrase` occurs in `words`."""
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def _housekeeping(words: Seq) -> bool:
    """The words are about the calendar, the papers or the lawyers."""
    return (not _HOUSEKEEPING_WORDS.isdisjoint(words)
            or any(_has(words, phrase) for phrase in _HOUSEKEEPING_PHRASES)
            or any(w in _SETTING and words[i + 1:i + 2] != ("aside",)
                   for i, w in enumerate(words)))


def _settles(words: Seq) -> bool:
    """The words name a settlement."""
    return any(_has(words, phrase) for phrase in _SETTLEMENT_PHRASES)


def _decided(words: Seq) -> str | None:
    """The step of a court's order or opinion on `words` (its kind and subject)."""
    if _housekeeping(words):
        return None
    return "settlement" if _settles(words) else "ruling"


def _moved(subject: Seq) -> str | None:
    """The step of a motion for `subject`."""
    if _housekeeping(subject):
        return None
    return "settlement" if _settles(subject) else "motion"


def _pleading(words: Seq) -> str | None:
    """A complaint, petition, indictment, notice of removal or counterclaim, amended or not."""
    i = 0
    while i < len(words) and words[i] in _PLEADING_KINDS:
        i += 1
    kind, rest = words[:i], words[i:]
    amended = not _AMENDING.isdisjoint(kind)
    if rest[:1] == ("petition",):
        # a petition for review or rehearing asks a court of appeals to undo a decision
        if rest[1:2] == ("for",) and not {"review", "rehearing"}.isdisjoint(rest[2:5]):
            return "appeal"
    elif not (rest[:1] and rest[0] in _CHARGES) and rest[:2] not in _CHARGE_PAIRS \
            and rest[:3] != ("notice", "of", "removal"):
        return None
    return "amended_complaint" if amended else "complaint_filed"


def _noticed(words: Seq) -> str | None:
    """A notice of appeal, of settlement or of removal; other notices are housekeeping."""
    rest = words[2:] if words[:2] == ("notice", "of") else ()
    while rest[:1] and rest[0] in {"interlocutory", "cross", "limited", "amended", "proposed",
                                   "class", "action"}:
        rest = rest[1:]
    if rest[:1] == ("appeal",):
        return "appeal"
    if rest[:1] == ("settlement",):
        return "settlement"
    if rest[:1] == ("removal",):
        return "complaint_filed"
    return None


def _minute(words: Seq) -> str | None:
    """The step of a minute entry: what was held (after "held before Judge X:")."""
    if _has(words, ("sentencing", "held")) or _has(words, ("sentencing", "hearing", "held")):
        return "sentencing"
    if "verdict" in words:
        return "verdict"
    held = any(words[i + 1:i + 2] in {("held",), ("completed",), ("begun",), ("concluded",)}
               for i, w in enumerate(words) if w in {"hearing", "trial", "argument",
                                                     "arguments", "arraignment"})
    return "hearing" if held else None


def _named_hearing(words: Seq) -> str | None:
    """A hearing or trial day by its event name: "Motion Hearing", "Jury Trial"."""
    if words in {("sentencing",), ("sentencing", "hearing"), ("sentencing", "held")}:
        return "sentencing"
    if _housekeeping(words) or words[0] in {"notice", "order", "letter", "transcript"}:
        return None
    if (words[-1] == "hearing" or words[-2:] == ("hearing", "held")) and "for" not in words:
        return "hearing"
    if words[:2] in {("jury", "trial"), ("bench", "trial"), ("oral", "argument")}:
        return "hearing"
    return None


def _judgment(words: Seq) -> str | None:
    """A judgment: of a criminal case, the sentence; on the pleadings, a motion's relief."""
    rest = words[1:]
    if _has(rest[:4], ("criminal", "case")):
        return "sentencing"
    if rest[:3] == ("on", "the", "pleadings"):
        return "motion"
    return "judgment"


def _step_of(words: Seq) -> str | None:
    """The step one event of an entry is, from its normalised words."""
    if not words:
        return None
    first, two = words[0], words[:2]
    if two == ("minute", "entry"):
        return _minute(words[2:])
    if two == ("case", "termination"):  # the 10th Circuit's entry closing a decided appeal
        if _has(words, ("order", "and", "judgment")):
            return "judgment"
        return "ruling" if "opinion" in words else None
    if (hearing := _named_hearing(words)) is not None:
        return hearing
    lead = words[1:] if first in {"amended", "clerk", "clerks", "default", "final",
                                  "consent", "sealed"} else words
    if lead[:1] == ("judgment",):
        return "settlement" if first == "consent" else _judgment(lead)
    if first in {"verdict", "jury", "special"}:
        return "verdict" if "verdict" in words[:3] else None
    if two == ("notice", "of") or words[:3] == ("amended", "notice", "of"):
        return _noticed(words[1:] if first == "amended" else words)
    if (pleaded := _pleading(words)) is not None:
        return pleaded
    if two in {("settlement", "agreement"), ("stipulation", "of"), ("consent", "decree")} \
            and _settles(words[:4]):
        return _decided(words)
    if two == ("strike", "order"):  # an appellate order striking a defective filing
        return None
    if first == "memorandum":
        # a party's memorandum of law argues; the court's memorandum (opinion) decides
        if words[1:2] in {("of",), ("in",), ("re",), ("to",)} \
                and words[1:3] != ("of", "decision"):
            return None
        return _decided(words)
    if words[:3] in {("report", "and", "recommendation"), ("report", "and", "recommendations"),
                     ("findings", "and", "recommendation"),
                     ("findings", "and", "recommendations"), ("findings", "of", "fact")}:
        return _decided(words)
    if two == ("so", "ordered"):
        return _decided(words[2:])
    if first == "ruling" and words[1:2] == ("letter",):  # the clerk's letter telling of one
        return None
    for i, word in enumerate(words[:5]):
        if word == "motion" and set(words[:i]) <= _MOTION_KINDS \
                and words[i + 1:i + 2] != ("order",):  # a "Motion Order" decides one
            return _moved(words[i + 1:])
        if word in _DECISIONS and set(words[:i]) <= _DECISION_KINDS | _HOUSEKEEPING_WORDS:
            return _decided(words)
    if any(words[:len(relief)] == relief and len(words) <= len(relief) + 2
           for relief in _RELIEFS):
        return _moved(words)
    return None


def _generic(words: Seq) -> bool:
    """A bare document type ("Order", "Order(Other)", "Order filed") that says no more."""
    return tuple(w for w in words if w not in {"filed", "other"}) in {
        ("order",), ("motion",), ("opinion",)}


def _words(text: str) -> Seq:
    """The normalised words of a description, without docket numbers ("re 45 MOTION")."""
    return tuple(w for w in tokens(clean(text)) if not w.isdigit())


def _opening(description: str) -> Seq:
    """The words of a long description's document type and subject: its first sentence,
    and for a minute entry what was held ("...held before Judge X: Motion Hearing held")."""
    text = clean(description).strip()
    if text.casefold().startswith("minute entry") and ":" in text:
        text = text.partition(":")[2]
        return ("minute", "entry", *_words(_LONG_END.split(text, 1)[0])[:_OPENING])
    return _words(_LONG_END.split(text, 1)[0])[:_OPENING]


def docket_step(short_description: str, description: str = "") -> str | None:
    """The procedural step a docket entry is, from its short description (the CM/ECF RSS
    '[Order on Motion to Dismiss]' text) or, when that is empty, the start of its long
    description ('ORDER GRANTING 45 MOTION TO DISMISS. Signed by Judge ...'); None for
    housekeeping and anything unclear."""
    if not short_description.strip():
        return _step_of(_opening(description))
    events = [_words(part)[:_OPENING] for part in _EVENTS_JOINED.split(clean(short_description))]
    # an entry of several events is named by those that say what it is: "Order AND
    # Scheduling Order" is a scheduling order, "Order AND Order(Other)" an order
    telling = [words for words in events if not _generic(words)] or events
    steps = {_step_of(words) for words in telling} - {None}
    return next((step for step in _WEIGHT if step in steps), None)


def event_of(step: str) -> str:
    """The development event a filing of `step` carries: its step, but a judgment is the
    ruling it enters."""
    return _EVENT.get(step, step)


def reported_by(step: str | None, article_step: str | None) -> bool:
    """An article reporting `article_step` tells of a docket entry of `step`."""
    if step is None or article_step is None:
        return False
    return article_step in REPORTED_AS.get(step, frozenset())
