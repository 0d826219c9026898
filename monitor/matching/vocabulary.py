"""The words that make a mention of a party news of a case, and the governments of captions.

Whole words only: a wildcard reads "trialling" as a trial and "allegedly" as a legal
word, so each form is listed. Words that are common outside court reporting (suit,
motion, complaint, dismissed, alleged, appeal, ruling, settle) are left out: the party's
name near one of them was most of the false alerts on everyday news.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# heard in reports of any case, civil or criminal
COURT_WORDS = (
    "court", "courts", "courtroom", "judge", "judges", "jury", "juror", "jurors", "trial",
    "trials", "verdict", "verdicts", "appealed", "testified", "testimony", "magistrate",
    "magistrates", "docket", "defense lawyer", "defense attorney",
)
CIVIL_WORDS = (
    "lawsuit", "lawsuits", "sue", "sues", "sued", "suing", "countersued", "countersues",
    "filed suit", "class action", "plaintiff", "plaintiffs", "defendant", "defendants",
    "litigation", "injunction", "damages award", "antitrust case",
)
# Left out, for what they also say: police, lawyer, guilty (feeling guilty), accused
# (of anything), charges (fees), fraud (election fraud), pardoned, arrest (a threat).
CRIMINAL_WORDS = (
    "charged", "criminal charges", "faces charges", "face charges", "murder charges",
    "charges against", "arrested", "under arrest", "indicted", "indictment", "pleaded",
    "pleads", "plea", "pleaded guilty", "found guilty", "not guilty", "sentenced",
    "sentencing", "convicted", "conviction", "acquitted", "prosecutor", "prosecutors",
    "prosecution", "prosecuted", "murder", "murders", "murdered", "homicide",
    "manslaughter", "kidnapping", "arraigned", "arraignment", "bail", "in custody",
    "remanded", "jail", "jailed", "prison", "imprisoned", "inmate", "escaped", "fugitive",
    "manhunt", "suspect", "defendant", "felony", "extradited", "extradition",
    "death penalty", "racketeering", "securities fraud", "wire fraud", "fraud charges",
)


@dataclass(frozen=True, slots=True)
class Government:
    """A side of a caption that is a government, and how news names it instead."""

    name: str
    prosecutes: bool  # a caption against a person is a criminal case
    stand_ins: tuple[str, ...]
    investigators: tuple[str, ...] = ()  # evidence against a person, not a company


# "the government" alone is any government ("The government of India asked Google..."):
# only as the side of a case
_UNITED_STATES = Government("United States", True, (
    "Justice Department", "Department of Justice", "DOJ", "federal prosecutors",
    "U.S. attorney", "US attorney", "United States attorney", "antitrust division",
    "government lawyers", "government's lawyers", "government attorneys",
    "government's case", "the government argued", "the government alleges",
), ("FBI",))
_STATE = Government("State", True, (
    "prosecutors", "district attorney", "state attorney", "attorney general",
))
_CROWN = Government("Crown", True, (
    "Crown Prosecution Service", "crown prosecutor", "prosecutors", "prosecution",
))
_AGENCIES = {
    "FTC": "Federal Trade Commission",
    "SEC": "Securities and Exchange Commission",
    "CFPB": "Consumer Financial Protection Bureau",
    "EEOC": "Equal Employment Opportunity Commission",
    "NLRB": "National Labor Relations Board",
    "FCC": "Federal Communications Commission",
    "EPA": "Environmental Protection Agency",
}
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_GOVERNMENTS = (
    (re.compile(r"(?:the\s+)?(?:United\s+States(?:\s+of\s+America)?|U\.?\s?S\.?(?:A\.?)?"
                r"|DOJ|(?:U\.?S\.?\s+)?(?:Department\s+of\s+Justice|Justice\s+Department))",
                re.IGNORECASE), _UNITED_STATES),
    (re.compile(r"(?:the\s+)?(?:People|State|Commonwealth)(?:\s+of\s+(?:the\s+)?"
                r"(?:State\s+of\s+)?[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?"), _STATE),
    (re.compile(r"(?:R\.?|Regina|Rex|The\s+(?:Queen|King|Crown)|Crown|His\s+Majesty's"
                r"\s+Advocate|HM\s+Advocate)", re.IGNORECASE), _CROWN),
)


@lru_cache(maxsize=4096)
def government(side: str) -> Government | None:
    """The government a caption's side names, if it is one."""
    side = side.strip(" ,.")
    for pattern, found in _GOVERNMENTS:
        if pattern.fullmatch(side):
            return found
    bare = _THE.sub("", side)
    for acronym, name in _AGENCIES.items():
        if bare in (acronym, name):
            return Government(name, False, (acronym, name))
    return None
