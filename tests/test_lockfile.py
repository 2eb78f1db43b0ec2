"""What is tested is what installs: requirements.lock pins every package with its hashes, it was compiled from
pyproject.toml as it is now, and this environment runs exactly the locked versions.

`make lock` refreshes the lock on purpose; a dependency added, dropped or re-ranged in pyproject.toml without it fails
here, in CI, before a fresh machine installs something nobody tested.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT

LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")


def locked() -> dict[str, str]:
    return {canonicalize_name(m[1]): m[2] for line in LOCK.read_text().splitlines() if (m := PIN.match(line))}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def direct_in_lock() -> set[str]:
    """The packages the lock says it took from pyproject.toml (pip-compile's `# via papertrends (pyproject.toml)`)."""
    out, name = set(), None
    for line in LOCK.read_text().splitlines():
        if m := PIN.match(line):
            name = canonicalize_name(m[1])
        elif name and "papertrends (pyproject.toml)" in line:
            out.add(name)
    return out


def test_every_locked_package_is_pinned_with_hashes() -> None:
    text = LOCK.read_text()
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9._-]+==)", text) if PIN.match(b)]
    assert len(blocks) == len(locked()) > 50
    assert all("--hash=sha256:" in b for b in blocks), "pip install --require-hashes needs a hash for every package"
    assert not re.search(r"^--(extra-)?index-url|^--find-links", text, re.M), "the lock names no machine's index"
    assert locked()["torch"].endswith("+cpu"), "torch's CPU build: any other lets pip pull the CUDA packages"


def test_the_lock_matches_pyproject() -> None:
    pins = locked()
    wanted = {canonicalize_name(r.name) for r in declared()}
    assert direct_in_lock() == wanted, "pyproject.toml's dependencies changed since the lock: run `make lock`"
    for requirement in declared():
        pinned = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(Version(pinned), prereleases=True), (
            f"{requirement} in pyproject.toml, {pinned} in the lock: run `make lock`"
        )


def test_this_environment_runs_the_locked_versions() -> None:
    differ = {}
    for name, pinned in locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed is None or Version(installed) != Version(pinned):
            differ[name] = (pinned, installed)
    assert not differ, f"installed versions differ from requirements.lock (locked, installed): {differ}; `make setup`"
