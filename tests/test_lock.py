"""The lock files install what pyproject.toml asks for, and the README and CI install from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PINNED = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", re.MULTILINE)


def pinned(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    assert "--hash=sha256:" in text
    return {canonicalize_name(name): version for name, version in PINNED.findall(text)}


def requirements(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if extra:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(r) for r in wanted]


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-test.lock", "test")]
)
def test_each_lock_pins_every_dependency_within_its_range(lock, extra):
    pins = pinned(lock)
    for requirement in requirements(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is in pyproject.toml but not in {lock}: re-lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name}=={pins[name]}, outside {requirement}: re-lock"
        )


def test_the_readme_and_ci_install_from_the_locks():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = ci.strip().splitlines()[-1]
    assert "-r requirements-test.lock" in test_command and test_command in readme
    assert "pip install -r requirements.lock" in readme
