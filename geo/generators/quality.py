"""Generator quality per GEO iteration (Gili et al., arXiv 2201.08770 / 2207.13645).

With Q samples drawn, "valid" meaning of an allowed size (exactly K, or 1..K) and "new"
meaning distinct and never seen before (not in the pool the generator was trained from,
nor drawn earlier in the same batch):
- exploration = |new| / Q
- fidelity    = |valid new| / |new|
- rate        = |valid new| / Q
- quality coverage = |valid new samples that beat the best training sample| / Q.
  Frontier-wide, "beat the best training sample" means: cheaper than the best cost the pool
  had at some target of the frontier (it would move the frontier).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class GeneratorQuality:
    n_samples: int
    n_new: int
    n_valid_new: int
    n_better: int

    @property
    def exploration(self) -> float:
        return self.n_new / self.n_samples if self.n_samples else 0.0

    @property
    def fidelity(self) -> float:
        return self.n_valid_new / self.n_new if self.n_new else 0.0

    @property
    def rate(self) -> float:
        return self.n_valid_new / self.n_samples if self.n_samples else 0.0

    @property
    def quality_coverage(self) -> float:
        return self.n_better / self.n_samples if self.n_samples else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "exploration": self.exploration, "fidelity": self.fidelity, "rate": self.rate,
                "quality_coverage": self.quality_coverage}
