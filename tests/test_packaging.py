"""The installs a city and a counter need (issue 9, item 9): `loket[server]` brings no Qt, and
every declared dependency is imported by the side that declares it (and every import declared).

Read from the installed metadata (`importlib.metadata`, requirements and markers by
`packaging`), which `make` refreshes whenever pyproject.toml changes; the first test makes sure
that metadata is pyproject's. The transitive closure follows the installed distributions'
own requirements. `make check-server-install` proves the same in a fresh venv, from PyPI.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DIST = "loket"


def requirements(dist: str, extras: Iterable[str] = ()) -> list[Requirement]:
    """`dist`'s requirements that apply here with `extras` selected (markers evaluated)."""
    chosen: list[Requirement] = []
    for line in metadata.requires(dist) or []:
        req = Requirement(line)
        if req.marker is None:
            chosen.append(req)
            continue
        for extra in [*extras, ""]:
            env = {**default_environment(), "extra": extra}
            if req.marker.evaluate(env):
                chosen.append(req)
                break
    return chosen


def closure(extras: Iterable[str]) -> set[NormalizedName]:
    """Every distribution `pip install 'loket[extras]'` brings in, here, by installed metadata."""
    seen: set[NormalizedName] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(DIST, tuple(extras))]
    while todo:
        dist, wanted = todo.pop()
        for req in requirements(dist, wanted):
            name = canonicalize_name(req.name)
            if name == DIST:  # loket[desktop,server,...] inside `dev`
                todo.append((DIST, tuple(req.extras)))
                continue
            key = name
            if key in seen and not req.extras:
                continue
            seen.add(key)
            todo.append((req.name, tuple(req.extras)))
    return seen


def declared(extra: str | None) -> set[NormalizedName]:
    """The distributions named directly by the base (None) or one extra."""
    return {
        canonicalize_name(r.name)
        for r in requirements(DIST, [extra] if extra else [])
        if canonicalize_name(r.name) != DIST
        and (extra is None or (r.marker is not None and f'"{extra}"' in str(r.marker)))
    }


def imported_top_levels(paths: Iterable[Path]) -> set[str]:
    """Top-level module names imported (absolute imports) anywhere under `paths`."""
    names: set[str] = set()
    for path in paths:
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names.add(node.module.split(".")[0])
    return names


OTHER_PLATFORM_MODULES: dict[str, str] = {"comtypes": "comtypes", "sane": "python-sane"}
"""Modules imported only on one platform (WIA on Windows, SANE on Linux), so not installed on
the other: the distribution that provides each, which pyproject must declare with a marker."""


def declared_for_another_platform(dist: str) -> bool:
    """`dist` is a requirement of loket whose marker names a platform other than this one."""
    for line in metadata.requires(DIST) or []:
        req = Requirement(line)
        if canonicalize_name(req.name) != canonicalize_name(dist) or req.marker is None:
            continue
        env = dict(default_environment())
        for extra in ("desktop", "server", ""):
            if req.marker.evaluate({**env, "extra": extra}):
                return False  # it applies here: then it must be installed here
        if "sys_platform" in str(req.marker) or "platform_system" in str(req.marker):
            return True
    return False


def third_party(modules: set[str]) -> set[NormalizedName]:
    """The distributions providing `modules` (stdlib and our own packages left out). A module
    of another platform's backend counts as its declared distribution."""
    providers = metadata.packages_distributions()
    out: set[NormalizedName] = set()
    for module in modules - set(sys.stdlib_module_names) - {"desktop", "server", "__future__"}:
        dists = providers.get(module)
        if not dists and module in OTHER_PLATFORM_MODULES:
            dist = OTHER_PLATFORM_MODULES[module]
            assert declared_for_another_platform(dist), (
                f"{module} is imported but not installed, and {dist} is not declared for "
                "another platform"
            )
            continue  # not installed here by design; nothing of it to check on this platform
        assert dists, f"{module} is imported but no installed distribution provides it"
        out.update(canonicalize_name(d) for d in dists)
    return out


def test_installed_metadata_is_pyprojects() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    written = [Requirement(r) for r in project["dependencies"]]
    for reqs in project["optional-dependencies"].values():
        written += [Requirement(r) for r in reqs]
    installed = [Requirement(line) for line in metadata.requires(DIST) or []]

    def bare(reqs: list[Requirement]) -> set[str]:
        return {f"{r.name}{sorted(r.extras)}{r.specifier}" for r in reqs}

    assert bare(installed) == bare(written), "the venv is stale: make reinstalls it"


def test_the_server_install_brings_no_qt() -> None:
    server = closure(["server"])
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic", "python-stdnum"} <= server
    qt = {name for name in server if name.startswith(("pyside", "shiboken", "pyqt"))}
    assert qt == set(), f"loket[server] pulls in {sorted(qt)}"
    assert "requests" not in server and "keyring" not in server  # the desktop's, not the server's
    assert "pyside6-essentials" in closure(["desktop"])  # the check can see Qt where it is


SERVER_CODE = [ROOT / "server", ROOT / "desktop" / "domain"]
DESKTOP_CODE = [ROOT / "desktop"]


@pytest.mark.parametrize(
    ("extra", "code"),
    [("server", SERVER_CODE), ("desktop", DESKTOP_CODE)],
    ids=["server", "desktop"],
)
def test_each_side_imports_what_it_declares_and_declares_what_it_imports(
    extra: str, code: list[Path]
) -> None:
    used = third_party(imported_top_levels(code))
    available = closure([extra])
    undeclared = used - available
    assert undeclared == set(), f"{extra} code imports {sorted(undeclared)}, not in loket[{extra}]"
    unused = (declared(extra) | declared(None)) - used
    assert unused == set(), f"loket[{extra}] declares {sorted(unused)}, which nothing imports"


def test_the_domain_needs_only_the_base() -> None:
    used = third_party(imported_top_levels([ROOT / "desktop" / "domain"]))
    assert used == declared(None)
