"""cgov.glue: numbers are glued as plain Python values and recorded in the chapter's JSON."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cgov import glue, paths
from cgov.glue import Number, plain, publish


def test_plain_turns_numpy_scalars_into_python_numbers():
    assert type(plain(np.float64(1.5))) is float
    assert type(plain(np.int64(3))) is int
    assert plain(np.float32(0.25)) == 0.25


@pytest.mark.parametrize("bad", ["3", None, True, float("nan"), float("inf")])
def test_plain_rejects_what_is_not_a_finite_number(bad):
    with pytest.raises((TypeError, ValueError)):
        plain(bad)


def test_publish_writes_formatted_results(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RESULTS", tmp_path)
    monkeypatch.setattr(glue, "_registry", {})
    publish("99-test", {"share": Number(np.float64(0.12345), "{:.1%}", "%", "份额")})
    publish("99-test", {"count": Number(np.int64(124649), "{:,}", "个")})
    written = json.loads((tmp_path / "99-test.json").read_text(encoding="utf-8"))
    assert written["share"]["text"] == "12.3%" and written["share"]["value"] == pytest.approx(0.12345)
    assert written["count"]["text"] == "124,649" and written["count"]["value"] == 124649
    assert not list(tmp_path.glob("*.tmp")), "a temporary file was left behind"


@pytest.mark.parametrize("value, fmt, text", [
    (16.45, "{:.1f}", "16.5"),       # binary 16.449999… still rounds half up on its decimal value
    (2.675, "{:.2f}", "2.68"),
    (0.125, "{:.1%}", "12.5%"),
    (0.12345, "{:.1%}", "12.3%"),
    (1234567.5, "{:,.0f}", "1,234,568"),
    (-0.04, "{:.1f}", "0.0"),        # no negative zero
    (-2.25, "{:.1f}", "-2.3"),       # half away from zero
    (124649, "{:,}", "124,649"),
    (0.000123, "{:.2e}", "1.23e-04"),  # other formats apply as given
])
def test_shown_rounds_half_up_on_the_decimal_value(value, fmt, text):
    assert glue.shown(value, fmt) == text
    assert format(16.45, ".1f") == "16.4", "the binary rounding this rule replaces"


def test_estimate_publishes_the_estimate_and_its_interval_from_one_row(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setattr(paths, "RESULTS", tmp_path)
    monkeypatch.setattr(glue, "_registry", {})
    row = pd.Series({"estimate": 0.5, "conf_low": 0.1, "conf_high": 0.9,
                     "exp_estimate": np.exp(0.5), "exp_conf_low": np.exp(0.1), "exp_conf_high": np.exp(0.9)})
    publish("99-test", {"or_party": glue.Estimate(row, "党员投票的优势比", exp=True),
                        "share": glue.Estimate(row, "份额", "{:.0f}", "%", scale=100, evidence="real")},
            evidence="simulated")
    written = json.loads((tmp_path / "99-test.json").read_text(encoding="utf-8"))
    assert [written[k]["text"] for k in ("or_party", "or_party_low", "or_party_high")] == ["1.65", "1.11", "2.46"]
    assert written["or_party_low"]["label"].startswith("党员投票的优势比") and written["or_party"]["evidence"] == "simulated"
    assert [written[k]["text"] for k in ("share", "share_low", "share_high")] == ["50", "10", "90"]
    assert written["share"]["evidence"] == "real", "a result's own evidence wins over the call's"


def test_unknown_evidence_is_refused():
    with pytest.raises(ValueError, match="evidence"):
        glue.expand({"x": Number(1, evidence="guess")})


def test_published_tables_round_by_the_same_rule():
    import pandas as pd

    table = glue.formatted(pd.DataFrame({"x": [16.45, 2.25], "n": [1, 2], "name": ["a", "b"]}), ".1f")
    assert table["x"].tolist() == ["16.5", "2.3"] and table["n"].tolist() == [1, 2]



def test_a_table_page_view_is_shown_while_the_csv_keeps_the_whole_table(tmp_path, monkeypatch):
    import myst_nb
    import pandas as pd

    monkeypatch.setattr(paths, "RESULTS", tmp_path)
    on_page = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, shown, display: on_page.update({name: shown.data}))
    whole = pd.DataFrame({"地区": ["甲", "乙", "丙"], "数值": [1.25, 2.5, 3.75]})
    glue.publish_table("99-test", "t", whole, page=whole.iloc[[1]])
    assert "乙" in on_page["t"] and "甲" not in on_page["t"] and "丙" not in on_page["t"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "99-test" / "t.csv"), whole)
