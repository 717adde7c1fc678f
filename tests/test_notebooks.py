"""The research notebooks in notebooks/: committed without outputs, and executed end to end.

Each notebook is executed with nbclient (installed with the ``dev`` extra's nbmake), from its
own folder, with its default (quick) settings; any error in any cell fails the test. The cell
timeout only guards against a hang: run times are measured by benchmarks, never asserted here
(the quick settings take 15–40 s per notebook on 2 cores). Executing a notebook never
saves it, and the check below makes sure the notebooks folder is left as it was (notebooks
write their files to temporary folders).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "01_quickstart.ipynb",
    "02_smart_gate_proposal.ipynb",
    "03_capacity_planning.ipynb",
    "04_calibration_and_validation.ipynb",
}
CELL_TIMEOUT_S = 600


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_the_four_notebooks_are_there() -> None:
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = _read(path)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; "
        f"strip them: jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)}"
    )
    assert "widgets" not in nb.metadata, f"{path.name}: widget state in the notebook metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_states_its_question_and_answer_and_defaults_to_quick(path: Path) -> None:
    cells = _read(path).cells
    assert cells[0].cell_type == "markdown" and "**Question.**" in cells[0].source, path.name
    assert cells[-1].cell_type == "markdown" and cells[-1].source.startswith("## Answer"), path.name
    assert "PLACEHOLDER" not in cells[-1].source
    setup = next(c.source for c in cells if c.cell_type == "code")
    assert "FULL = False" in setup, f"{path.name}: the first code cell must default to the quick study"
    assert "import simulator" in setup


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_without_error(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient  # installed by the dev extra (nbmake)

    # the kernel is a child process: make the package importable from the notebook's folder even without
    # an editable install
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    before = sorted(p.relative_to(ROOT) for p in path.parent.rglob("*") if "__pycache__" not in p.parts)
    client = NotebookClient(
        _read(path),
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    after = sorted(p.relative_to(ROOT) for p in path.parent.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, f"{path.name} wrote into notebooks/: {sorted(set(after) - set(before))}"
