import numpy as np
import pytest

from geo.core.errors import GeoError
from geo.orchestration.frontier.targets import evenly_spaced_targets, read_targets_file
from geo.problem import Problem


def test_evenly_spaced_targets_span_min_variance_to_max_return(sp500_sample):
    problem = Problem.from_dataset(sp500_sample, 5)
    targets = evenly_spaced_targets(problem, 7)
    assert len(targets) == 7 and np.all(np.diff(targets) > 0)
    assert targets[-1] == pytest.approx(problem.return_range()[1])
    problem.check_target_returns(targets)


def test_targets_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("# targets\n0.001\n\n0.002  # second\n")
    assert list(read_targets_file(path)) == [0.001, 0.002]
    path.write_text("0.001\nabc\n")
    with pytest.raises(GeoError, match="not a number"):
        read_targets_file(path)
    with pytest.raises(GeoError, match="does not exist"):
        read_targets_file(tmp_path / "missing.txt")
