"""What `pip install casewatch` gets: every library the code imports, every package and the
seed files; and, with the package index reachable, a wheel installed into a fresh venv by
pip 23.2 that runs `casewatch demo`."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import imported_modules

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OWN = ("monitor", "feeds", "alerts")
# imported by name at run time for a dependency's sake, not for casewatch's own
FOR_A_DEPENDENCY = {
    # monitor/grouping/neardup.py stands in scipy.integrate while datasketch imports it
    # (datasketch depends on scipy)
    "scipy",
}
DEMO_SUMMARY = "→ 2 developments, each from the court and the press; 2 alerts sent"


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, str]:
    """Declared dependency → its requirement string."""
    return {normalized(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0]): req
            for req in PYPROJECT["project"]["dependencies"]}


def third_party_imports() -> dict[str, list[str]]:
    """Third-party module → the files of monitor/, feeds/ and alerts/ that import it."""
    found: dict[str, list[str]] = {}
    for package in OWN:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module in {name.split(".")[0] for name in imported_modules(path)}:
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


def test_every_package_directory_is_listed() -> None:
    """pyproject lists its packages (seeds/ is mapped to monitor.seeds, which discovery
    cannot do): a new package directory must be added there, or it is not installed."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    mapped = setuptools["package-dir"]
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for package in OWN for init in (ROOT / package).rglob("__init__.py")}
    seeds = ROOT / mapped["monitor.seeds"]
    found |= {"monitor.seeds"} | {f"monitor.seeds.{d.name}" for d in seeds.iterdir()
                                  if d.is_dir() and d.name != "__pycache__"}
    assert listed == found


def test_every_seed_file_is_package_data() -> None:
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    seeds = ROOT / PYPROJECT["tool"]["setuptools"]["package-dir"]["monitor.seeds"]
    left_out = []
    for path in sorted(seeds.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".py":
            continue
        package = ".".join(["monitor", "seeds", *path.parent.relative_to(seeds).parts])
        if not any(fnmatch.fnmatch(path.name, glob) for glob in data.get(package, [])):
            left_out.append(str(path.relative_to(ROOT)))
    assert left_out == []


# -- a wheel in a fresh venv -------------------------------------------------------------


def index_reachable(timeout: float = 10) -> bool:
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    try:
        with urllib.request.urlopen(f"{index}/pip/", timeout=timeout) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def run(*args: str | Path, cwd: Path, timeout: float = 900) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CASEWATCH_CONFIG")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_with_pip_23_2_and_runs_the_demo(tmp_path: Path) -> None:
    if not index_reachable():
        pytest.skip("the package index cannot be reached")
    # build from a copy of what the sdist and the image hold, not from the working tree
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((ROOT / name).read_bytes())
    for name in (*OWN, "seeds"):
        for path in (ROOT / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                target = source / path.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist",
        source, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("casewatch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"monitor/seeds/demo.toml", "monitor/seeds/articles.toml",
            "monitor/seeds/court/cand.xml"} <= names
    assert sum(n.startswith("monitor/seeds/articles/") for n in names) == 5
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == set(OWN)  # no top-level seeds

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "pip==23.2.*", cwd=tmp_path)
    assert run(python, "-m", "pip", "--version", cwd=tmp_path).startswith("pip 23.2")
    run(python, "-m", "pip", "install", "-q", wheel, cwd=tmp_path)

    # jusText imports lxml.html.clean: there only because lxml_html_clean is declared
    run(python, "-c", "import justext, lxml_html_clean", cwd=tmp_path)
    out = run(venv / "bin" / "casewatch", "demo", cwd=tmp_path, timeout=300)
    assert DEMO_SUMMARY in out, out
    where = run(python, "-c", "import monitor.seeds; print(monitor.seeds.__file__)",
                cwd=tmp_path)
    assert where.startswith(str(venv)), where
