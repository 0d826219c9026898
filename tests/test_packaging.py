"""What `pip install casewatch` gets: every library the code imports."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OWN = ("monitor", "feeds", "alerts")
# imported by name at run time for a dependency's sake, not for casewatch's own
FOR_A_DEPENDENCY = {
    # monitor/grouping/neardup.py stands in scipy.integrate while datasketch imports it
    # (datasketch depends on scipy)
    "scipy",
}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, str]:
    """Declared dependency → its requirement string."""
    return {normalized(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0]): req
            for req in PYPROJECT["project"]["dependencies"]}


def imported_modules(path: Path) -> Iterator[str]:
    """Top-level names a file imports: import statements at any depth (lazy ones and those
    for the type checker too) and import_module("...") with a literal name."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                node.func, "attr", None)) == "import_module" and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            yield node.args[0].value.split(".")[0]


def third_party_imports() -> dict[str, list[str]]:
    """Third-party module → the files of monitor/, feeds/ and alerts/ that import it."""
    found: dict[str, list[str]] = {}
    for package in OWN:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in set(imported_modules(path)):
                if module in sys.stdlib_module_names or module in (*OWN, "__future__"):
                    continue
                found.setdefault(module, []).append(str(path.relative_to(ROOT)))
    return found


def test_the_declared_dependencies_cover_every_import() -> None:
    modules = third_party_imports()
    assert "numpy" in modules and "lark" in modules  # the scan sees what is there
    distributions = importlib.metadata.packages_distributions()
    wanted = declared()
    missing = {}
    for module, files in sorted(modules.items()):
        if module in FOR_A_DEPENDENCY:
            continue
        names = {normalized(d) for d in distributions.get(module, [])}
        if not names & wanted.keys():
            missing[module] = (sorted(names) or "not installed", files[:3])
    assert missing == {}, "imported, but not in [project] dependencies"


def test_a_declared_dependency_nothing_imports_says_why() -> None:
    """Its line in pyproject.toml, or the comment lines just above it, say why it is there."""
    imported = {normalized(d) for module in third_party_imports()
                for d in importlib.metadata.packages_distributions().get(module, [])}
    lines = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("dependencies = [")
    block = lines[start + 1:lines.index("]", start)]
    unexplained = []
    for name, requirement in declared().items():
        if name in imported:
            continue
        at = next(n for n, line in enumerate(block) if f'"{requirement}"' in line)
        if "#" not in block[at] and not block[at - 1].lstrip().startswith("#"):
            unexplained.append(requirement)
    assert unexplained == []


def test_every_bound_is_a_lower_bound_at_least() -> None:
    assert [req for req in PYPROJECT["project"]["dependencies"] if ">=" not in req] == []
