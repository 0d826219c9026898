"""The README and docs/ say what the code is: commands, modules, kinds and links that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alerts.registry import CHANNEL_KINDS
from feeds.registry import SOURCE_KINDS
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
BENCH = ROOT / "bench" / "README.md"
FIRST_SCREEN = 40
MAX_README_LINES = 200


def readme() -> str:
    return README.read_text(encoding="utf-8")


def stage_table(text: str) -> list[str]:
    """The rows of the README's table from pipeline stage to module."""
    section = text.split("## How it works", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")][2:]


def module_paths(rows: list[str]) -> list[str]:
    return [path for row in rows
            for path in re.findall(r"`((?:monitor|feeds|alerts)/[\w/]*(?:\.py)?)`", row)]


def doc_links(text: str) -> list[str]:
    """Relative links to markdown pages, without their #anchor."""
    return [link.split("#", 1)[0] for link in anchored_links(text)]


def anchored_links(text: str) -> list[str]:
    """Relative links to markdown pages (`page.md` or `page.md#anchor`) and to `#anchor`."""
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", text)
            if not re.match(r"[a-z]+:", target)
            and (target.startswith("#") or target.split("#", 1)[0].endswith(".md"))]


def anchors(text: str) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def cli_commands() -> list[str]:
    done = run_cli("--help", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("Commands:", 1)[1]
    return re.findall(r"^\s{2}(\S+)", listing, re.MULTILINE)


def test_the_first_screen_names_make_demo_and_make_test() -> None:
    first = "\n".join(readme().splitlines()[:FIRST_SCREEN])
    assert "make demo" in first
    assert "make test" in first


def test_the_readme_is_short() -> None:
    lines = len(readme().splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; the rest belongs in docs/"


def test_every_module_in_the_stage_table_exists() -> None:
    paths = module_paths(stage_table(readme()))
    assert len(paths) >= 20, paths  # the table was found and names the modules
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert not missing, f"the README's stage table names modules that do not exist: {missing}"


def test_every_python_module_of_a_stage_is_in_the_table() -> None:
    """The table is the current map: a module is named in it, or its stage's folder is."""
    named = set(module_paths(stage_table(readme())))
    modules = {str(p.relative_to(ROOT)) for folder in ("monitor", "feeds", "alerts")
               for p in (ROOT / folder).rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    unnamed = sorted(m for m in modules
                     if m not in named and not any(m.startswith(n) for n in named
                                                   if n.endswith("/")))
    assert not unnamed, f"modules missing from the README's stage table: {unnamed}"


@pytest.mark.parametrize("page", [README, BENCH, *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_linked_page_exists(page: Path) -> None:
    links = doc_links(page.read_text(encoding="utf-8"))
    missing = [link for link in links if not (page.parent / link).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to pages that do not exist: {missing}"


@pytest.mark.parametrize("page", [README, BENCH, *sorted(DOCS.glob("*.md"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_linked_section_exists(page: Path) -> None:
    broken = []
    for link in anchored_links(page.read_text(encoding="utf-8")):
        target, _, anchor = link.partition("#")
        path = page if not target else page.parent / target
        if anchor and path.exists() and anchor not in anchors(path.read_text(encoding="utf-8")):
            broken.append(link)
    assert not broken, f"{page.relative_to(ROOT)} links to sections that do not exist: {broken}"


def test_the_readme_links_the_docs() -> None:
    links = set(doc_links(readme()))
    for page in ("configuration", "channels", "dockets", "grouping", "operations", "pages"):
        assert f"docs/{page}.md" in links, page


def test_every_cli_command_is_documented() -> None:
    commands = cli_commands()
    assert {"run", "check", "demo"} <= set(commands), commands  # the listing was read
    operations = (DOCS / "operations.md").read_text(encoding="utf-8")
    missing = [c for c in commands if f"`casewatch {c}" not in operations]
    assert not missing, f"commands not in docs/operations.md: {missing}"


def test_every_source_kind_is_documented() -> None:
    configuration = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [kind for kind in SOURCE_KINDS if f"`{kind}`" not in configuration]
    assert not missing, f"source kinds not in docs/configuration.md: {missing}"


def test_every_channel_kind_is_documented() -> None:
    channels = (DOCS / "channels.md").read_text(encoding="utf-8")
    missing = [kind for kind in CHANNEL_KINDS if f"`{kind}`" not in channels]
    assert not missing, f"channel kinds not in docs/channels.md: {missing}"
