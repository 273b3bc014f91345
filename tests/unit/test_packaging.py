"""pyproject.toml in the forms setuptools keeps building: the licence as an SPDX expression
(PEP 639; the `{ text = ... }` table stops building from 2027-02-18)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"


def test_the_build_backend_reads_spdx_expressions() -> None:
    (setuptools,) = (
        Requirement(r)
        for r in PYPROJECT["build-system"]["requires"]
        if Requirement(r).name == "setuptools"
    )
    # setuptools 77.0.3 is the first release that accepts `license = "MIT"`.
    assert Version("77.0.3") in setuptools.specifier
    assert Version("77.0.2") not in setuptools.specifier


PROBE = """
import warnings

import oletools.olevba  # noqa: F401  (warns at import, from pyparsing's old names)


def test_probe():
    warnings.warn("ours", DeprecationWarning, stacklevel=1)
"""


def test_oletools_pyparsing_warnings_are_filtered_and_ours_are_not(tmp_path: Path) -> None:
    """The suite's configuration silences oletools' warnings only, by module."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "-c",
            str(root / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(probe),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout
    assert "PyparsingDeprecationWarning" not in done.stdout
    assert "1 passed, 1 warning" in done.stdout, done.stdout
    assert "DeprecationWarning: ours" in done.stdout


class _Item:
    def __init__(self, name: str, sweep: bool) -> None:
        self.name, self._sweep = name, sweep

    def get_closest_marker(self, name: str) -> object:
        return object() if name == "sweep" and self._sweep else None


class _Hook:
    def __init__(self) -> None:
        self.deselected: list[_Item] = []

    def pytest_deselected(self, items: list[_Item]) -> None:
        self.deselected += items


class _Config:
    def __init__(self) -> None:
        self.hook = _Hook()


def test_the_sweep_runs_only_when_asked_and_make_fuzz_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make test` samples the MS-OVBA compression sizes; `make fuzz` sweeps them all."""
    from tests.conftest import pytest_collection_modifyitems
    from tests.unit import test_ovba_compression as ovba

    marked = {
        name
        for name, f in vars(ovba).items()
        if name.startswith("test_") and any(m.name == "sweep" for m in getattr(f, "pytestmark", []))
    }
    assert marked == {
        "test_every_size_to_5000",
        "test_large_sizes_and_every_chunk_boundary_to_100k",
    }
    for env, kept in (("0", ["sample"]), ("1", ["sample", "sweep"])):
        monkeypatch.setenv("XL_MILESTONES_SWEEP", env)
        items = [_Item("sample", False), _Item("sweep", True)]
        config = _Config()
        pytest_collection_modifyitems(config, items)  # type: ignore[arg-type]
        assert [i.name for i in items] == kept
        assert [i.name for i in config.hook.deselected] == ([] if env == "1" else ["sweep"])
    root = Path(__file__).parents[2]
    fuzz = subprocess.run(
        ["make", "-n", "fuzz"], capture_output=True, text=True, cwd=root, check=True
    ).stdout
    assert "XL_MILESTONES_SWEEP=1" in fuzz and "tests/unit/test_ovba_compression.py" in fuzz
