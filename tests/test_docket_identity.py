"""A docket entry's identity: court + normalised docket number + entry."""

from datetime import UTC, datetime

import pytest

from feeds.base import DocketEntry


def entry(number: str, entry_number: int | None = 12, court: str = "cand", doc: str = "",
          short: str = "ORDER", filed: datetime | None = None) -> DocketEntry:
    return DocketEntry(court, number, "Doe v. Twitter", entry_number, short, "", filed, "", "", doc)


@pytest.mark.parametrize("spelling", ["3:21-cv-00485", "21-cv-485-JCS", "3:21cv485", "21-CV-00485"])
def test_spellings_of_one_docket_share_an_identity(spelling: str) -> None:
    assert entry(spelling).guid == entry("3:21-cv-00485").guid == "cand/21-cv-485/12"


def test_court_entry_and_defendant_are_part_of_the_identity() -> None:
    base = entry("1:18-cr-00224-PKC-1")
    assert base.guid != entry("1:18-cr-00224-PKC-2").guid
    assert base.guid != entry("1:18-cr-00224-PKC-1", court="nyed").guid
    assert base.guid != entry("1:18-cr-00224-PKC-1", entry_number=13).guid
    assert base.guid != entry("1:18-cv-00224").guid


def test_entries_without_a_number_fall_back_to_document_then_time_and_text() -> None:
    when = datetime(2021, 4, 6, 17, 0, tzinfo=UTC)
    assert entry("22-15961", None, doc="00119112675").guid == "cand/22-15961/doc00119112675"
    minute = entry("3:21-cv-00485", None, short="Minute  Entry", filed=when)
    assert minute.guid == "cand/21-cv-485/2021-04-06T17:00:00+00:00 minute entry"
    assert minute.guid != entry("3:21-cv-00485", None, short="Order", filed=when).guid
