"""CourtListener on 127.0.0.1: a docket's Atom feed and the REST API v4 parts we read.

The API side asks for `Authorization: Token <token>` (401 without), filters
`docket-entries/` by docket and `date_modified__gte`, orders by `date_modified` either
way, and pages with opaque cursors that hold the last position, as Django REST
framework's CursorPagination does. `limit_after = n` answers 429 with Retry-After once
n API requests have been served, until it is set back to None.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers import LoopbackServer, Request, Response

FIXTURES = Path(__file__).parent / "fixtures" / "courtlistener"
DOCKET_ID = 12345678


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data), {"Content-Type": "application/json",
                                               **(headers or {})})


def _when(entry: dict[str, Any]) -> tuple[datetime, int]:
    return datetime.fromisoformat(entry["date_modified"]), entry["id"]


class CourtListenerStandIn:
    def __init__(self, server: LoopbackServer, *, token: str, page_size: int = 20,
                 retry_after: int = 60) -> None:
        self.server = server
        self.token = token
        self.page_size = page_size
        self.retry_after = retry_after
        self.docket: dict[str, Any] = json.loads(fixture("docket.json"))
        self.entries: list[dict[str, Any]] = json.loads(fixture("docket_entries.json"))
        self.limit_after: int | None = None
        self.served = 0  # authorised API requests answered 200
        server.route(f"/docket/{DOCKET_ID}/feed/", Response(
            200, fixture("docket_feed.xml"), {"Content-Type": "application/atom+xml; "
                                                              "charset=utf-8"}))
        server.route(f"/api/rest/v4/dockets/{DOCKET_ID}/", self._docket)
        server.route("/api/rest/v4/docket-entries/", self._entries)

    # changes to the docket -----------------------------------------------------------

    def modify(self, entry_id: int, when: str, **changes: Any) -> None:
        for entry in self.entries:
            if entry["id"] == entry_id:
                entry.update(changes, date_modified=when)
                return
        raise KeyError(entry_id)

    def add(self, number: int, filed: str, when: str, description: str, short: str) -> int:
        entry = copy.deepcopy(self.entries[-1])
        entry.update(id=max(e["id"] for e in self.entries) + 1, entry_number=number,
                     date_filed=filed, date_created=when, date_modified=when,
                     description=description, recap_sequence_number=f"{filed}.001")
        entry["recap_documents"][0].update(description=short, document_number=str(number),
                                           pacer_doc_id=f"0350{number:08d}",
                                           filepath_local=None, is_available=False)
        self.entries.append(entry)
        return entry["id"]

    # the API ---------------------------------------------------------------------------

    def api_requests(self) -> list[Request]:
        return [r for r in self.server.requests if r.path.startswith("/api/")]

    def _refuse(self, request: Request) -> Response | None:
        sent = request.headers.get("authorization")
        if sent is None:
            return _json(401, {"detail": "Authentication credentials were not provided."})
        if sent != f"Token {self.token}":
            return _json(401, {"detail": "Invalid token."})
        if self.limit_after is not None and self.served >= self.limit_after:
            return _json(429, {"detail": "Request was throttled. Expected available in "
                                         f"{self.retry_after} seconds."},
                         {"Retry-After": str(self.retry_after)})
        self.served += 1
        return None

    def _docket(self, request: Request) -> Response:
        return self._refuse(request) or _json(200, self.docket)

    def _entries(self, request: Request) -> Response:
        refused = self._refuse(request)
        if refused:
            return refused
        query = {k: v[-1] for k, v in parse_qs(urlsplit(request.path).query).items()}
        rows = [e for e in self.entries if e["docket"].rstrip("/").endswith(
            f"/dockets/{query.get('docket')}")]
        if "date_modified__gte" in query:
            since = datetime.fromisoformat(query["date_modified__gte"])
            rows = [e for e in rows if datetime.fromisoformat(e["date_modified"]) >= since]
        order = query.get("order_by", "date_modified")
        if order.lstrip("-") != "date_modified":
            return _json(400, {"detail": f"cursor pagination needs date_modified, not {order}"})
        backwards = order.startswith("-")
        rows.sort(key=_when, reverse=backwards)
        if "cursor" in query:
            try:
                mark = json.loads(base64.urlsafe_b64decode(query["cursor"]))
                position = (datetime.fromisoformat(mark[0]), int(mark[1]))
            except (ValueError, TypeError, IndexError):
                return _json(404, {"detail": "Invalid cursor"})
            rows = [e for e in rows if (_when(e) < position if backwards
                                        else _when(e) > position)]
        page, rest = rows[: self.page_size], rows[self.page_size:]
        next_url = None
        if rest:
            last = page[-1]
            cursor = base64.urlsafe_b64encode(
                json.dumps([last["date_modified"], last["id"]]).encode()).decode()
            params = {k: v for k, v in query.items() if k != "cursor"} | {"cursor": cursor}
            next_url = self.server.url("/api/rest/v4/docket-entries/?" + urlencode(params))
        return _json(200, {"count": self.server.url("/api/rest/v4/docket-entries/?count=on"),
                           "next": next_url, "previous": None, "results": page})
