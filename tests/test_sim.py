"""The simulated world: labelled, deterministic, valid against its own schema, calibrated, walled off."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from cgov import codebook, data, paths
from cgov.sim import SIM_TITLE, TABLES, Design, PARAMETERS, simulate, write
from cgov.sim.files import PARAMETERS_FILE, files
from cgov.sim.parameters import CHOSEN
from cgov.sim.questionnaire import parameters_table

SMALL = Design(seed=7, n_streets=6, communities_per_street=6, residents_per_community=20)


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    write(simulate(SMALL), folder)
    return folder


def test_same_seed_gives_byte_identical_files(tmp_path):
    write(simulate(SMALL), tmp_path / "a")
    write(simulate(SMALL), tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_another_seed_gives_other_data():
    a, b = files(simulate(SMALL)), files(simulate(Design(seed=8, n_streets=6, communities_per_street=6,
                                                               residents_per_community=20)))
    assert a["sim_residents.csv"] != b["sim_residents.csv"]


def test_committed_data_is_what_the_generator_makes():
    """data/sim holds exactly the default world (run `make sim` after changing the generator)."""
    for name, content in files(simulate(Design())).items():
        assert (paths.SIM / name).read_bytes() == content, f"data/sim/{name} is stale: run make sim"


def test_full_world_is_generated_quickly(tmp_path):
    start = time.perf_counter()
    write(simulate(Design()), tmp_path)
    assert time.perf_counter() - start < 10


def test_files_are_labelled_and_valid_against_their_schema(small_files):
    descriptor = json.loads((small_files / "datapackage.json").read_text(encoding="utf-8"))
    assert SIM_TITLE in descriptor["title"]
    assert [r["name"] for r in descriptor["resources"]] == [t.name for t in TABLES]
    for res in descriptor["resources"]:
        assert res["path"].startswith("sim_") and SIM_TITLE in res["title"]
        path = small_files / res["path"]
        assert res["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        frame = data.read_table(path, res["schema"])
        assert frame["is_simulated"].all(), res["name"]
    params = small_files / descriptor["x_parameters"]["path"]
    assert descriptor["x_parameters"]["hash"] == "sha256:" + hashlib.sha256(params.read_bytes()).hexdigest()


def test_committed_tables_load_by_name():
    for table in TABLES:
        frame = data.load(table.name)
        assert list(frame.columns) == table.columns and len(frame) > 0


def test_parameters_are_stored_beside_the_data_with_a_source(small_files):
    stored = json.loads((small_files / PARAMETERS_FILE).read_text(encoding="utf-8"))
    assert stored["design"]["seed"] == SMALL.seed
    assert set(stored["parameters"]) == set(PARAMETERS)
    for name, p in stored["parameters"].items():
        assert p["source"] == CHOSEN or p["source"].startswith("calibration §"), name
        assert p["value"] == PARAMETERS[name].value


def test_staggered_adoption_has_never_adopters_and_three_cohorts():
    years = simulate(SMALL).tables["sim_community_years"]
    first = years.drop_duplicates("community_id")["shuangbaodao_year"]
    assert first.isna().sum() > 0 and set(first.dropna()) == {2016, 2018, 2020}
    assert (years["shuangbaodao"] == (years["year"] >= years["shuangbaodao_year"]).fillna(False)).all()


def test_embedding_is_targeted_at_troubled_communities():
    com = simulate(Design()).tables["sim_communities"]
    assert np.corrcoef(com["baseline_complaints"], com["building_party_coverage"])[0, 1] > 0.2


def _alpha(items: pd.DataFrame) -> float:   # computed here, independently of cgov.models
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())


def test_default_world_meets_the_calibration_targets():
    t = simulate(Design()).tables
    res, workers = t["sim_residents"], t["sim_workers"]
    assert 0.07 <= res["party_member"].mean() <= 0.09                      # §4.6: 7–9% of adults
    assert 0.70 <= _alpha(res[[f"belong_{i}" for i in range(1, 7)]].astype(float)) <= 0.85   # §4.6
    assert 0.15 <= workers["turnover_intention"].mean() <= 0.25             # §4.5: ≈20%
    exits_per_year = workers["exited"].sum() / workers["followup_years"].sum()
    assert 0.15 <= exits_per_year <= 0.25                                   # §4.6: 15–25% a year
    m = t["sim_community_months"]
    share = m["admin_tasks"].sum() / (m["admin_tasks"].sum() + m["service_tasks"].sum())
    assert 0.20 <= share <= 0.50                                            # §4.6: 20–50% of items


def test_simulating_loads_no_estimator():
    """At run time (tests/test_walls.py reads the imports statically)."""
    code = "import sys, cgov.sim; cgov.sim.simulate(cgov.sim.Design(n_streets=2, communities_per_street=2)); " \
           "sys.exit('cgov.models' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_questionnaire_lists_every_simulated_variable():
    listed = set()
    for section in ("居民问卷", "社区问卷", "社区工作者问卷"):
        for table, items in codebook.section_tables(section):
            listed |= {("sim_" + table.name, v.strip("`")) for v in items["变量名"]}
            assert items["题目或记录内容"].str.len().gt(0).all()
    assert listed | {(t.name, "is_simulated") for t in TABLES} == {(t.name, c) for t in TABLES for c in t.columns}
    assert not any(c == "is_simulated" for _, c in listed)   # the neutral codebook knows nothing of simulation
    assert len(parameters_table()) == len(PARAMETERS)
