"""The house rules of DESIGN.md that a chapter's source can break, checked on every chapter:
simulated data are marked (banner directive, mark inside figures, evidence in the results), true parameters
are read through ``cgov.sim.truth``, colours are named, and every published number says what it rests on."""
from __future__ import annotations

import json
import re

import pytest

from cgov.glue import EVIDENCE
from cgov.sim.files import PARAMETERS_FILE
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
USES_SIM = re.compile(r"""load\(\s*["']sim_""")


def ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_true_parameters_come_from_truth_not_the_json_file(path):
    assert PARAMETERS_FILE not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_colours_are_named_not_typed_as_hex(path):
    assert not re.findall(r"""["']#[0-9a-fA-F]{6}["']""", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_simulated_sections_use_the_one_banner(path):
    text = path.read_text(encoding="utf-8")
    assert "{admonition} 模拟数据" not in text, "use the {simulated-data} directive"
    if USES_SIM.search(text):
        assert "{simulated-data}" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_figures_from_simulated_data_carry_the_mark(path):
    """A chapter that loads simulated data and draws a figure after it marks that figure."""
    text = path.read_text(encoding="utf-8")
    first_sim = USES_SIM.search(text)
    if first_sim and "plt.subplots" in text[first_sim.start():]:
        assert "mark_simulated(" in text


@pytest.mark.build
def test_every_published_number_says_what_it_rests_on(strict_build):
    missing = {}
    for path in sorted(strict_build.results.glob("*.json")):
        records = json.loads(path.read_text(encoding="utf-8"))
        bad = [k for k, r in records.items() if r.get("evidence") not in EVIDENCE]
        if bad:
            missing[path.stem] = bad
    assert not missing, f"numbers without evidence (real / simulated / policy): {missing}"
