"""Suits found by a party watch: each is followed as a case of its own until it is ended
(`casewatch unwatch`). Found once, ever: a suit is known by its court and number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.store.rows import iso
from monitor.store.sqlite import Database


@dataclass(frozen=True, slots=True)
class SuitRow:
    id: str  # the case id it is followed under: court and number, "nysd-18-cv-03364"
    watch_id: str
    court: str
    docket_number: str
    caption: str
    party: str  # the watched party it names
    side: str  # plaintiff, defendant or party
    created_at: str
    ended_at: str | None = None


def suit_id(court: str, key: tuple[str, str, int]) -> str:
    """A suit's id from its court and docket number's key: `nysd-18-cv-03364`."""
    year, case_type, number = key
    tail = f"{case_type}-{number:05d}" if case_type else str(number)
    return f"{court.lower()}-{year}-{tail}"


class Suits:
    """The suits' statements; `Store` has them as its own."""

    db: Database

    def add_suit(self, suit: SuitRow) -> bool:
        """Record a suit found; False when it was already known (ended or not)."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO suits (id, watch_id, court, docket_number, caption,
                   party, side, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [suit.id, suit.watch_id, suit.court, suit.docket_number, suit.caption,
             suit.party, suit.side, suit.created_at],
        )
        return cursor.rowcount == 1

    def suits(self, *, ended: bool = False) -> list[SuitRow]:
        """The suits followed (with `ended`, also those ended), oldest first."""
        sql = "SELECT * FROM suits" + ("" if ended else " WHERE ended_at IS NULL")
        return [SuitRow(**row) for row in self.db.query(sql + " ORDER BY created_at, id")]

    def suit(self, suit_id_: str) -> SuitRow | None:
        rows = list(self.db.query("SELECT * FROM suits WHERE id = ?", [suit_id_]))
        return SuitRow(**rows[0]) if rows else None

    def end_suit(self, suit_id_: str, *, now: datetime) -> bool:
        """Stop following a suit; False when no suit followed has that id."""
        cursor = self.db.execute(
            "UPDATE suits SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            [iso(now), suit_id_])
        return cursor.rowcount == 1
