"""Federal docket numbers: parse every common spelling, compare on what identifies a case.

`3:21-cv-00485`, `21-cv-485`, `3:21cv485`, `No. 21-cv-00485-JCS` and
`1:18-cr-00224-PKC-1` all parse. Two numbers name the same case when year, case type
and number agree; the office digit counts only when both carry one. Judge initials
and the criminal defendant number are kept apart from the case identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# office digit, two-digit year, case type letters, number, then suffixes
_DISTRICT = re.compile(
    r"""(?<![\w:])
    (?:(?P<office>\d{1,2})\s*:\s*)?
    (?P<year>\d{2})\s*-?\s*
    (?P<type>[a-z]{1,5})\s*-?\s*
    (?P<number>\d{1,7})
    (?P<suffix>(?:-(?:[a-z]{2,4}|\d{1,3}))*)
    (?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)
# appellate and bankruptcy numbers: 22-1120, 22-15961, 16-10992-smb
_BARE = re.compile(
    r"(?<![\w:-])(?:(?P<office>\d)-)?(?P<year>\d{2})-(?P<number>\d{3,6})"
    r"(?P<suffix>(?:-[a-z]{2,4})*)(?![\w-])",
    re.IGNORECASE,
)
_CASE_TYPES = frozenset(
    {"cv", "cr", "mj", "mc", "md", "bk", "ap", "po", "sw", "gj", "misc", "dp", "tp", "ml",
     "mdl", "pt", "vv", "cb", "ev", "ct", "hc", "pq", "rj", "op", "m", "y", "x"}
)


@dataclass(frozen=True, slots=True)
class DocketNumber:
    """The parts of a federal docket number. `case_type` is "" for appellate/bankruptcy."""

    office: str | None
    year: str
    case_type: str
    number: int
    judges: tuple[str, ...] = ()
    defendant: int | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """What identifies the case within a court: (year, type, number)."""
        return (self.year, self.case_type, self.number)

    def same_case(self, other: DocketNumber) -> bool:
        """Same year, type and number; office digits must agree only when both have one."""
        if self.key != other.key:
            return False
        return self.office is None or other.office is None or self.office == other.office

    def same_defendant(self, other: DocketNumber) -> bool:
        return self.same_case(other) and (
            self.defendant is None or other.defendant is None or self.defendant == other.defendant
        )

    def normal(self) -> str:
        """`3:21-cv-00485` (no judge or defendant suffixes)."""
        office = f"{self.office}:" if self.office else ""
        if self.case_type:
            return f"{office}{self.year}-{self.case_type}-{self.number:05d}"
        return f"{self.year}-{self.number}"


def _build(found: re.Match[str], case_type: str) -> DocketNumber:
    judges: list[str] = []
    defendant: int | None = None
    for part in filter(None, (found.group("suffix") or "").split("-")):
        if part.isdigit():
            defendant = int(part)
        else:
            judges.append(part.upper())
    return DocketNumber(
        office=found.group("office").lstrip("0") or "0" if found.group("office") else None,
        year=found.group("year"),
        case_type=case_type,
        number=int(found.group("number")),
        judges=tuple(judges),
        defendant=defendant,
    )


def _district(found: re.Match[str]) -> DocketNumber | None:
    case_type = found.group("type").lower()
    if case_type not in _CASE_TYPES:
        return None
    return _build(found, case_type)


def parse_docket_number(text: str) -> DocketNumber | None:
    """The single docket number in `text` ("Case No. 3:21-cv-00485-JCS"), else None."""
    cleaned = text.strip().replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")
    cleaned = re.sub(r"^(?:case\s+)?(?:no\.?|number|#)\s*", "", cleaned, flags=re.IGNORECASE)
    found = _DISTRICT.fullmatch(cleaned.strip())
    if found:
        return _district(found)
    found = _BARE.fullmatch(cleaned.strip())
    return _build(found, "") if found else None


def find_docket_numbers(text: str) -> Iterator[tuple[DocketNumber, int, int]]:
    """Every district-style docket number in running text, with its span."""
    cleaned = text.replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")
    for found in _DISTRICT.finditer(cleaned):
        number = _district(found)
        if number is not None:
            yield number, found.start(), found.end()
