"""pyproject.toml and environment.yml list the same dependencies with the same minimums."""

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
