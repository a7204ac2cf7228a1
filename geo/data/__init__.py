"""The data layer: DATASET specs -> cleaned returns -> moments, as a :class:`Dataset`."""

from geo.data.dataset import Dataset
from geo.data.estimation import DataWarning, estimate_moments
from geo.data.options import MAX_MISSING_SHARE, EstimationOptions
from geo.data.spec import SPEC_HELP, load_dataset

__all__ = ["DataWarning", "Dataset", "EstimationOptions", "MAX_MISSING_SHARE", "SPEC_HELP", "estimate_moments", "load_dataset"]
