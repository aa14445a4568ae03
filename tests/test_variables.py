"""cgov.variables: the analysis variables, checked by hand and against the simulator's reference values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cgov import codebook, data, variables as V
from cgov.sim.parameters import PARAMETERS, value


def test_centring_by_hand():
    assert V.age10(np.array([47, 57, 27])).tolist() == [0.0, 1.0, -2.0]
    assert V.pay_k(6500) == 1.0 and V.hours10(38) == -1.0 and V.complaints10(35.0) == 1.5


def test_centres_are_the_simulated_reference_values():
    """The simulator's parameters are stated at these centres (e.g. "logit … at 5,500 yuan and 48 hours")."""
    assert value("complaints_mean") == V.COMPLAINTS_CENTRE
    assert "age 47" in PARAMETERS["party_logit_base"].scale and "aged 47" in PARAMETERS["vote_base"].scale
    assert "5,500 yuan and 48 hours" in PARAMETERS["intention_base"].scale
    assert "belonging 3" in PARAMETERS["vote_base"].scale


def test_belonging_score_and_dimensions():
    frame = pd.DataFrame({f"belong_{i}": [i, 5] for i in range(1, 7)})
    assert V.belonging(frame).tolist() == [3.5, 5.0]
    assert V.belonging_centred(frame).tolist() == [0.5, 2.0]
    assert V.belonging_dimensions() == {"认同感": ["belong_1", "belong_2", "belong_3"],
                                        "凝聚力": ["belong_4", "belong_5", "belong_6"]}


def test_vote_design_is_chapter_04s_model():
    residents = data.load("sim_residents").head(200)
    places = data.load("sim_communities").set_index("community_id")["community_type"]
    design = V.vote_design(residents, residents["community_id"].map(places))
    terms = V.VOTE_FORMULA.split("~")[1].replace(" ", "").split("+")
    assert set(terms) <= set(design.columns) and design["vote"].isin([0, 1]).all()
    row = residents.iloc[0]
    expected = (row["housing"] == "自有住房") and places[row["community_id"]] == "商品房"
    assert design["owner_commodity"].iloc[0] == int(expected)
    assert design["age10"].iloc[0] == pytest.approx((row["age"] - 47) / 10)
    assert "owner_commodity" not in V.vote_design(residents) and "owner" not in V.vote_formula(False)


def test_term_labels_come_from_the_codebook():
    labels = V.term_labels()
    assert labels["age10"].startswith(codebook.RESIDENTS["age"].label) and "47" in labels["age10"]
    assert labels["party"].startswith(codebook.RESIDENTS["party_member"].label)
    assert "商品房小区" in labels["owner_commodity"] and "5,500" in labels["pay_k"]
    assert V.term_label("households") == "常住户数" and V.term_label("unknown_x") == "unknown_x"
    assert all(V.term_label(t) != t for t in V.VOTE_FORMULA.split("~")[1].replace(" ", "").split("+"))
