"""The demo's seed data, installed as `monitor.seeds` (pyproject.toml maps it there).

`casewatch demo` reads these files with importlib.resources, so the demo runs from an
editable install, a wheel or the container image alike.
"""
