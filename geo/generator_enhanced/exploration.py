"""Keep GEO exploring while budget and time remain.

A generator trained on its own best finds concentrates: after a few iterations most of its
samples are copies of pool members. The loop never stops for that; it widens the search:
each stale iteration (under ``stale_share`` of the samples new) doubles the temperature of
the softmax surrogate (flatter training distribution) and mixes more uniformly drawn
selections into the samples (the prior), up to ``max_prior_share``. A healthy iteration
(over ``healthy_share`` new) steps both back towards their base values. Every change is
recorded in the iteration log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Exploration:
    base_prior_share: float = 0.0
    stale_share: float = 0.2
    healthy_share: float = 0.6
    max_prior_share: float = 0.5
    max_temperature_scale: float = 64.0
    temperature_scale: float = 1.0
    prior_share: float = 0.0

    def __post_init__(self) -> None:
        self.prior_share = max(self.prior_share, self.base_prior_share)

    def update(self, new_share: float) -> str | None:
        """Adapt to the share of new samples of the last iteration; returns what changed."""
        if new_share < self.stale_share:
            if self.temperature_scale >= self.max_temperature_scale and self.prior_share >= self.max_prior_share:
                return None
            self.temperature_scale = min(self.max_temperature_scale, 2.0 * self.temperature_scale)
            self.prior_share = min(self.max_prior_share, self.prior_share + 0.1)
            return (f"widened: temperature x{self.temperature_scale:g}, "
                    f"prior share {self.prior_share:.1f}")
        if new_share > self.healthy_share and (self.temperature_scale > 1.0 or self.prior_share > self.base_prior_share):
            self.temperature_scale = max(1.0, self.temperature_scale / 2.0)
            self.prior_share = max(self.base_prior_share, self.prior_share - 0.1)
            return (f"narrowed: temperature x{self.temperature_scale:g}, "
                    f"prior share {self.prior_share:.1f}")
        return None
