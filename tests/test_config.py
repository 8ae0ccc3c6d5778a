"""Where the project is: from SCRUTINY_ROOT, the editable checkout, or a cycle file."""

from __future__ import annotations

from pathlib import Path

from scrutiny import config


def project(tmp_path: Path) -> Path:
    root = tmp_path / "opcc"
    for sub in ("params/cycles", "notebooks", "data/raw"):
        (root / sub).mkdir(parents=True)
    (root / "params" / "cycles" / "2022-11.yaml").write_text("cycle: '2022-11'\n")
    return root


def test_project_root_is_the_folder_above_params_cycles(tmp_path):
    root = project(tmp_path)
    assert config.project_root_for(root / "params" / "cycles" / "2022-11.yaml") == root
    # another folder of the project: the nearest folder above with params/ and notebooks/
    (root / "params" / "test").mkdir()
    assert config.project_root_for(root / "params" / "test" / "x.yaml") == root
    # outside any project
    (tmp_path / "loose").mkdir()
    assert config.project_root_for(tmp_path / "loose" / "2022-11.yaml") is None


def test_a_relative_cycle_path_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    root = project(tmp_path)
    monkeypatch.chdir(root / "params")
    assert config.project_root_for("cycles/2022-11.yaml") == root


def test_using_root_moves_every_path_and_restores_them(tmp_path, monkeypatch):
    monkeypatch.delenv("SCRUTINY_CACHE_DIR", raising=False)
    root = project(tmp_path)
    before = (config.PROJECT_ROOT, config.RAW_DIR, config.REPORTS_DIR, config.CACHE_DIR)
    with config.using_root(root) as r:
        assert r == root == config.PROJECT_ROOT
        assert config.RAW_DIR == root / "data" / "raw"
        assert config.PARAMS_DIR == root / "params"
        assert config.NOTEBOOKS_DIR == root / "notebooks"
        assert config.REPORTS_DIR == root / "reports"
        assert config.CACHE_DIR == root / "data" / "cache"
        assert config.resolve("params/plan.yaml") == root / "params" / "plan.yaml"
    assert (config.PROJECT_ROOT, config.RAW_DIR, config.REPORTS_DIR, config.CACHE_DIR) == before
    with config.using_root(None) as r:
        assert r == before[0]


def test_find_root_prefers_the_environment(tmp_path, monkeypatch):
    root = project(tmp_path)
    monkeypatch.setenv("SCRUTINY_ROOT", str(root))
    assert config._find_root() == root
