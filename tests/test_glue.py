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
