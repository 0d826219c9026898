"""Imported last by the worker pool's fork server: one small extraction, then a freeze.

trafilatura and htmldate build large tables the first time a page needs them: jusText's
stop words of every language (154,000 words, kept twice) for the fallback extractor,
dateparser and its parser for a date in a page's text; with the caches of one
extraction, 46 MB. Built in each worker, they cost each worker that much; built here,
in the server the workers are forked from, the workers share one copy of their pages.
`gc.freeze` then keeps the collector in the workers from writing to (and so copying)
the pages of everything loaded so far.

dateparser also compiles each locale's expressions the first time it tries that locale
on a date, and a date no locale reads tries them all: 30 MB in the worker that meets
one. Those are left to the workers: a page's date is searched only for an item whose
feed gives none (none of the 3,683 items of the 100 bench feeds), so building them here
would cost every daemon 30 MB for what most never use.
"""

from __future__ import annotations

import gc
import logging

from feeds.extract import extract_article

PAGE = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Court hears motion in warm-up case</title></head><body><main><article>
<h1>Court hears motion in warm-up case</h1><p class="byline">Posted on 12 March 2021</p>
<p>The court heard arguments on the motion to dismiss on Thursday, and the judge said a
written order would follow within weeks, the parties told reporters after the hearing.</p>
</article></main></body></html>"""


def warm() -> bool:
    """Extract `PAGE` with every search on (its text is short enough for the fallback
    extractors), then build htmldate's month names and dateparser's parser, which a
    page whose date only dateparser reads would. True when all of it ran."""
    article = extract_article(PAGE, "https://casewatch.invalid/warm-up", True, True)
    try:
        from htmldate import extractors

        extractors.month_words()
        extractors.get_external_parser().get_date_data("jeudi 12 mars 2021")
    except Exception:  # an optimisation only: a changed htmldate must not stop the pool
        logging.getLogger(__name__).warning("htmldate's date tables not built ahead")
        return False
    return article is not None


warm()
gc.freeze()
