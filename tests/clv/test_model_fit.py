"""The fitted-model result is immutable all the way down, and still pickles."""

from __future__ import annotations

import copy
import pickle

import pytest

from payback.clv import BGNBDFit, fit_sbg


@pytest.fixture
def fit():
    return fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])  # Fader & Hardie, high end


def test_standard_errors_cannot_be_changed(fit):
    se = dict(fit.standard_errors)
    with pytest.raises(TypeError):
        fit.standard_errors["alpha"] = 0.0  # type: ignore[index]
    assert dict(fit.standard_errors) == se
    given = {"r": 0.01, "alpha": 0.2, "a": 0.05, "b": 0.1}
    m = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426, standard_errors=given)
    given["r"] = 99.0  # the caller's dict is copied, not shared
    assert m.standard_errors["r"] == 0.01


def test_pickle_and_copy_keep_the_fit(fit):
    for clone in (pickle.loads(pickle.dumps(fit)), copy.deepcopy(fit), copy.copy(fit)):
        assert type(clone) is type(fit)
        assert clone.params == fit.params
        assert dict(clone.standard_errors) == dict(fit.standard_errors)
        assert clone.log_likelihood == fit.log_likelihood
        with pytest.raises(TypeError):
            clone.standard_errors["alpha"] = 0.0  # type: ignore[index]
