"""pyproject.toml and environment.yml list the same dependencies with the same minimums, and
requirements.lock pins the exact environment ``make setup`` installs, with hashes."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}
NOT_PACKAGES = {"python", "pip"}
REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(req: str) -> tuple[str, str]:
    m = REQ.match(req)
    assert m, f"cannot parse requirement {req!r}"
    return norm(m.group(1)), m.group(3).replace(" ", "")


def pyproject() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [
        r for group in project["optional-dependencies"].values() for r in group
    ]
    return dict(parse(r) for r in reqs)


def environment() -> tuple[dict[str, str], dict[str, str], str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    python = ""
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for r in dep.get("pip", []):
                if not r.startswith("-e"):
                    name, spec = parse(r)
                    pip[name] = spec
            continue
        name, spec = parse(dep)
        if name == "python":
            python = spec
        if name in NOT_PACKAGES:
            continue
        conda[norm(CONDA_TO_PYPI.get(name, name))] = spec
    return conda, pip, python


def test_same_packages_and_minimums():
    conda, pip, _ = environment()
    assert not set(conda) & set(pip), "a package is listed both for conda and under pip:"
    assert {**conda, **pip} == pyproject()


def test_conda_python_meets_requires_python():
    _, _, python = environment()
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires.startswith(">=")
    version = tuple(int(x) for x in python.lstrip("=").split("."))
    assert version >= tuple(int(x) for x in requires[2:].split("."))


def leading_version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text.split("+")[0])[:3])


def test_installed_environment_meets_the_minimums():
    for name, spec in pyproject().items():
        installed = metadata.version(name)
        assert spec.startswith(">="), f"{name}: use a minimum version (>=), got {spec!r}"
        assert leading_version(installed) >= leading_version(spec[2:]), (
            f"{name} {installed} < {spec}"
        )


# ---------------------------------------------------------------------------------------
# requirements.lock: the exact environment, with hashes

LOCK = REPO / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def lock_entries() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) for every requirement pinned in requirements.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        m = PIN.match(line)
        if m:
            current = norm(m.group(1))
            entries[current] = (m.group(2), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current][1].append(line.strip().split(":", 1)[1].rstrip(" \\"))
        elif not line.startswith(" "):
            current = None
    return entries


def test_the_lock_pins_every_dependency_with_hashes():
    entries = lock_entries()
    assert set(pyproject()) <= set(entries), set(pyproject()) - set(entries)
    for name, (version, hashes) in entries.items():
        assert hashes, f"{name}=={version} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name
    # the build tools too, so that `pip install --no-build-isolation -e .` uses pinned ones
    assert {"setuptools", "wheel"} <= set(entries)
    for name, spec in pyproject().items():
        assert leading_version(entries[name][0]) >= leading_version(spec[2:]), name


def test_the_lock_names_no_machine_specific_index():
    text = LOCK.read_text()
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text


def test_make_setup_installs_from_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert "$(STAMP): pyproject.toml requirements.lock" in makefile


def test_installed_environment_is_the_lock():
    wrong = {}
    for name, (version, _) in lock_entries().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}, "(locked, installed); run `make setup` to install the lock"
