"""The loader: every real table loads; damaged files raise one DataError naming file, row, column."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import frictionless
import pytest

from cgov import data, paths
from cgov.errors import DataError

CSV_TABLES = [r["name"] for r in json.loads((paths.DATA / "datapackage.json").read_text("utf-8"))["resources"]
              if r["format"] == "csv"]


@pytest.mark.parametrize("name", CSV_TABLES)
def test_every_real_table_loads_typed(name):
    frame = data.load(name)
    assert len(frame) > 0
    assert list(frame.columns) == [f["name"] for f in data.resource(name)["schema"]["fields"]]


def test_datapackage_is_valid_frictionless():
    """Descriptor and every CSV table (schema, constraints, hash); the raw workbooks are read by the pipeline."""
    package = frictionless.Package(str(paths.DATA / "datapackage.json"))
    for name in CSV_TABLES:
        report = package.get_resource(name).validate()
        assert report.valid, (name, [e.message for e in report.flatten(["message"])][:3])


@pytest.fixture
def county_2020(tmp_path, monkeypatch):
    """A private copy of the county_2020 table and a one-table data package describing it."""
    res = dict(data.resource("county_2020"))
    (tmp_path / "processed").mkdir()
    shutil.copy(paths.DATA / res["path"], tmp_path / res["path"])
    descriptor = tmp_path / "datapackage.json"
    descriptor.write_text(json.dumps({"name": "t", "resources": [res]}), encoding="utf-8")
    monkeypatch.setattr(data, "DATAPACKAGES", (descriptor,))
    return tmp_path / res["path"], descriptor, res


def _edit(path, descriptor, res, row, column, value, rehash=True):
    """Put ``value`` at file line ``row`` (header = 1) in ``column``; update the hash if asked."""
    lines = path.read_text("utf-8").split("\n")
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    if rehash:
        res["hash"] = "sha256:" + data.sha256(path)
        descriptor.write_text(json.dumps({"name": "t", "resources": [res]}), encoding="utf-8")


def test_missing_file(county_2020):
    path, _, _ = county_2020
    path.unlink()
    with pytest.raises(DataError, match="county_2020.csv.*不存在"):
        data.load("county_2020")


def test_truncated_file(county_2020):
    path, _, _ = county_2020
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DataError, match="county_2020.csv.*sha256"):
        data.load("county_2020")


def test_altered_file(county_2020):
    path, descriptor, res = county_2020
    _edit(path, descriptor, res, 10, "population", "1", rehash=False)
    with pytest.raises(DataError, match="county_2020.csv.*sha256"):
        data.load("county_2020")


@pytest.mark.parametrize("row, column, value", [
    (7, "residents_committees", "很多"),   # not an integer
    (12, "village_committees", "-3"),      # a negative count is impossible
])
def test_bad_value_names_row_and_column(county_2020, row, column, value):
    path, descriptor, res = county_2020
    _edit(path, descriptor, res, row, column, value)
    with pytest.raises(DataError) as err:
        data.load("county_2020")
    assert (err.value.path.name, err.value.row, err.value.column) == ("county_2020.csv", row, column)


def test_share_above_100_percent_is_impossible(tmp_path):
    res = data.resource("census_county")
    lines = (paths.DATA / res["path"]).read_text("utf-8").split("\n")
    header, cells = lines[0].split(","), lines[4].split(",")
    cells[header.index("share_65plus")] = "120.00"
    copy = tmp_path / "census_county.csv"
    copy.write_text("\n".join([*lines[:4], ",".join(cells), *lines[5:]]), encoding="utf-8")
    with pytest.raises(DataError) as err:
        data.read_table(copy, res["schema"])
    assert (err.value.path.name, err.value.row, err.value.column) == ("census_county.csv", 5, "share_65plus")


def test_data_appendix_links_each_dataset_to_its_file_in_the_site(site):
    from bs4 import BeautifulSoup

    page = BeautifulSoup((site / "book" / "data.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in page.select("main a[download]")}
    descriptor = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        href = f"../downloads/data/{Path(res['path']).name}"
        assert href in links, f"{res['name']}: no download link"
        assert (site / "book" / href).resolve().is_file(), f"{res['name']}: {href} is not in the site"


def test_census_match_rate_counts_every_matching_rule():
    """The appendix said 96.8% of the 2010 rows matched while its text says every row matched: the rate left
    out rows matched through the table of county changes and through a prefecture."""
    import pandas as pd

    from cgov.datapackage import census_match_rate

    counts = data.load("census_county").groupby(["census_year", "match"]).size().unstack(fill_value=0)
    assert census_match_rate(counts).to_dict() == {2010: 100.0, 2020: 100.0}
    assert census_match_rate(pd.DataFrame({"change": [3], "code": [5], "none": [1], "no_code": [1]}))[0] == 80.0
