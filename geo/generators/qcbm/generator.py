"""Quantum circuit Born machine (QCBM): the generator of QCBM-GEO.

A parametrised cirq circuit U(theta) on m qubits defines the Born distribution
p_theta(x) = |<x|U(theta)|0>|^2 over the selections of a sub-universe of m assets.

Sub-universe. ``fit`` receives all N columns. The circuit models ``qubits`` assets (default
:func:`auto_qubits`: max(12, K + 4), K the largest training selection), those of
:func:`~geo.generators.base.promising_assets` (largest weighted training frequency); the other
assets are 0 in its samples. Training strings that hold an asset outside the sub-universe are
left out of the circuit's target (they cannot be represented); if that leaves nothing, all are
projected onto it.

Initialisation (``init``). ``"mps"`` (the default, ``"staircase"`` ansatz only): a bond-2 MPS
Born machine (:class:`~geo.generators.mps.MPSGenerator`) is trained on the same target and
mapped exactly onto the staircase (:mod:`geo.generators.qcbm.mps_circuit`); the added layers
start at the identity (all angles 0). The circuit's loss before training therefore equals the
MPS's (``initial_loss`` vs ``mps_loss``, computed in double precision at initialisation). On a
refit with the same sub-universe the circuit warm-starts from its trained angles unless the
freshly refitted MPS's image has a lower loss on the new target (then it restarts from it:
``restarted_from_mps``). ``mps_bond`` > 2 maps approximately, by ``init_layers`` staircase blocks
(Ran's layers, :mod:`geo.generators.qcbm.mps_start`). ``"random"``: every angle N(0, init_scale^2) from the rng (the
hardware-efficient ansatz adds the angle 2 arcsin sqrt(f_j) encoding asset j's frequency).

Sampling. Samples are drawn from the exact Born probabilities of the trained circuit (or, with
``noise``, of the noisy device, :mod:`geo.generators.qcbm.noise`) by inverse-CDF sampling with the
numpy rng: statistically identical to measuring, and reproducible from the seed alone.
``postselect`` (default True) keeps only shots of an allowed size, as one would discard them on
hardware; the share of shots kept is ``acceptance`` (shots are cheap, evaluations are not).
The Hamming-weight ansatz conserves the size (exactly K ones).

Not collapsing (``anti_stall``). The generator remembers every selection it was trained on or
proposed. When under ``stall_share`` of a batch of circuit samples is unseen, it says so and
acts, in this order on successive stalls: grow the sub-universe by ``grow_step`` qubits (up to
``qubit_limit``, 18 by default), then mix the independent prior (the smoothed product of asset frequencies
over all N assets, size-conditioned, unseen draws first) into its samples, raising its share by
``prior_step`` up to ``max_prior_share``. Each action is logged in ``actions_`` and reported per iteration.

Simulation and gradients: exact, by the adjoint method on a float64 numpy state vector (default,
``gradient="adjoint"``), which also gives the trained probabilities; or by the parameter-shift
rule on qsim (``"parameter-shift"``, ~100x slower at 12 qubits: one qsim circuit per shift). qsim
runs the noisy trajectories (cirq's density matrix on small circuits), the other sizes of a
Hamming-weight circuit and the single losses without a gradient. Threads, qsim and the gradients:
:mod:`geo.generators.qcbm.simulation`, :mod:`geo.generators.qcbm.training`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from geo.core.errors import GeoError
from geo.generators.base import promising_assets
from geo.generators.mps_sampling import single_threaded_blas
from geo.generators.qcbm.ansatz import ANSATZE, CONNECTIVITIES, build_ansatz
from geo.generators.qcbm.noise import NoiseModel, noisy_probabilities, parse_noise
from geo.generators.qcbm.record import circuit_summary, gate_list
from geo.generators.qcbm.simulation import circuit_probabilities, indices_of, make_simulator, popcounts
from geo.generators.qcbm.training import GRADIENTS, LOSSES, OPTIMIZERS, Objective, Trainer

INITS = ("mps", "random")
# Default sub-universe: at least 12 qubits and K + 4 (with K + 4, C(K + 4, K) >= 1001 selections for
# K >= 10; fewer spare assets than that and the loop exhausts the sub-universe in a few iterations).
MIN_AUTO_QUBITS = 12
PRIOR_OVERSAMPLING = 20
SPARE_QUBITS = 4


def auto_qubits(k: int) -> int:
    return max(MIN_AUTO_QUBITS, k + SPARE_QUBITS)


def _keys(bitstrings: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.packbits(bitstrings, axis=1)]


class QCBMGenerator:
    """Quantum circuit Born machine on a sub-universe (see the module docstring)."""

    def __init__(self, n_layers: int = 1, connectivity: str = "linear", ansatz: str = "staircase",
                 init: str = "mps", loss: str = "kl", optimizer: str = "lbfgs", max_iterations: int = 5,
                 learning_rate: float = 0.05, qubits: int | None = None, qubit_limit: int = 18,
                 hamming_weight: int | None = None, mmd_sigmas: Sequence[float] = (0.5, 1.0, 2.0),
                 init_scale: float = 1.0, postselect: bool = True, threads: int = 1, max_fused_gate_size: int = 3,
                 noise: str | NoiseModel | None = None, trajectories: int = 100, anti_stall: bool = True,
                 stall_share: float = 0.1, grow_step: int = 2, prior_step: float = 0.25,
                 max_prior_share: float = 0.75, gradient: str = "adjoint", init_layers: int = 1, mps_bond: int = 2,
                 name: str = "qcbm") -> None:
        for value, allowed, what in ((connectivity, CONNECTIVITIES, "connectivity"), (ansatz, ANSATZE, "ansatz"),
                                     (loss, LOSSES, "loss"), (optimizer, OPTIMIZERS, "optimizer"),
                                     (init, INITS, "init"), (gradient, GRADIENTS, "gradient")):
            if value not in allowed:
                raise GeoError(f"unknown QCBM {what} {value!r}", f"use one of: {', '.join(allowed)}")
        if init == "mps" and ansatz != "staircase":
            raise GeoError(f"the MPS initialisation needs the staircase ansatz (got {ansatz!r})",
                           "use --qcbm-ansatz staircase, or --qcbm-init random")
        if init_layers != 1 and ansatz != "staircase":
            raise GeoError(f"QCBM init layers are staircase blocks (got ansatz {ansatz!r})",
                           "use --qcbm-ansatz staircase, or drop --qcbm-init-layers")
        for value, what, low in ((n_layers, "layers", 0), (max_iterations, "training iterations", 0),
                                 (init_layers, "init layers", 1), (mps_bond, "MPS bond", 1),
                                 (qubits or 1, "qubits", 1), (qubit_limit, "qubit limit", 1),
                                 (threads, "qsim threads", 1),
                                 (trajectories, "trajectories", 1), (grow_step, "grow step", 0)):
            if int(value) != value or int(value) < low:
                raise GeoError(f"QCBM {what} must be an integer >= {low} (got {value})", f"pass an integer >= {low}")
        if qubits is not None and int(qubits) > 24:
            raise GeoError(f"QCBM qubits {qubits} is more than 24 (a 2^N state vector per circuit)",
                           "use at most 24 qubits (the defaults take seconds per GEO iteration at 12)")
        self.n_layers = int(n_layers)
        self.init_layers = int(init_layers)
        self.mps_bond = int(mps_bond)
        self.connectivity = connectivity
        self.ansatz = ansatz
        self.init = init
        self.loss = loss
        self.optimizer = optimizer
        self.max_iterations = int(max_iterations)
        self.learning_rate = float(learning_rate)
        self.qubits = None if qubits is None else int(qubits)
        self.qubit_limit = max(int(qubit_limit), self.qubits or 0)
        self.hamming_weight = hamming_weight
        self.mmd_sigmas = tuple(mmd_sigmas)
        self.init_scale = float(init_scale)
        self.postselect = bool(postselect)
        self.threads = int(threads)
        self.max_fused_gate_size = int(max_fused_gate_size)
        self.noise = parse_noise(noise) if not isinstance(noise, NoiseModel) else noise
        self.trajectories = int(trajectories)
        self.anti_stall = bool(anti_stall)
        self.stall_share = float(stall_share)
        self.grow_step = int(grow_step)
        self.prior_step = float(prior_step)
        self.max_prior_share = float(max_prior_share)
        self.gradient = gradient
        self.name = name
        self.params_: np.ndarray | None = None
        self.columns_: np.ndarray | None = None
        self.n_qubits_: int | None = None
        self.qubits_now_: int | None = self.qubits
        self.prior_share_ = 0.0
        self.actions_: list[dict[str, Any]] = []
        self.seen_: set[bytes] = set()
        self.n_fits_ = 0
        self._report: dict[str, Any] = {}

    @property
    def conditions_on_size(self) -> bool:
        return self.ansatz == "hamming-weight" or self.postselect

    # -- fit ------------------------------------------------------------------------------
    def fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "QCBMGenerator":
        # every product here is small (2^m amplitudes by a 2x2 or 4x4 gate): threaded BLAS on a
        # busy machine made each ~100x slower (measured), as for the MPS
        with single_threaded_blas():
            return self._fit(bitstrings, weights, rng)

    def _fit(self, bitstrings: np.ndarray, weights: np.ndarray, rng: np.random.Generator) -> "QCBMGenerator":
        from geo.generators.independent import IndependentGenerator

        bitstrings = np.asarray(bitstrings, dtype=bool)
        weights = np.asarray(weights, dtype=float)
        if bitstrings.ndim != 2 or len(bitstrings) == 0 or bitstrings.shape[1] == 0 \
                or weights.shape != (len(bitstrings),):
            raise GeoError("QCBM training data must be bitstrings (M, N) with M, N >= 1 and weights (M,)",
                           "pass matching arrays")
        if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, atol=1e-6):
            raise GeoError("QCBM training weights must be non-negative and sum to 1", "normalise the weights")
        self.n_fits_ += 1
        self.n_assets_ = bitstrings.shape[1]
        self.seen_.update(_keys(bitstrings))
        self.prior_ = IndependentGenerator().fit(bitstrings, weights, rng)
        if self.qubits_now_ is None:
            self.qubits_now_ = auto_qubits(int(bitstrings.sum(axis=1).max()))
        columns = promising_assets(bitstrings, weights, min(self.qubits_now_, self.n_assets_))
        inside = ~bitstrings[:, np.setdiff1d(np.arange(self.n_assets_), columns)].any(axis=1)
        if np.any(weights[inside] > 0):
            sub, w = bitstrings[inside][:, columns], weights[inside] / weights[inside].sum()
        else:
            sub, w = bitstrings[:, columns], weights
        n = len(columns)
        k = None
        sizes = sub.sum(axis=1)
        if self.ansatz == "hamming-weight":
            k = int(self.hamming_weight) if self.hamming_weight is not None else int(sizes[w > 0].max())
            if not 0 <= k <= n:
                raise GeoError(f"QCBM hamming_weight {k} is outside 0..{n}", "pass a size the universe can hold")
            keep = sizes == k
            if not np.any(w[keep] > 0):
                raise GeoError(f"no training bitstring with positive weight has {k} ones",
                               "pass hamming_weight matching the training selections")
            self.dropped_weight_ = float(w[~keep].sum())
            sub, w = sub[keep], w[keep] / w[keep].sum()
        else:
            self.dropped_weight_ = 0.0
        index = indices_of(sub)
        unique, inverse = np.unique(index, return_inverse=True)
        target = np.zeros(len(unique))
        np.add.at(target, inverse, w)
        unique, target = unique[target > 0], target[target > 0]

        warm = (self.params_ is not None and self.columns_ is not None and np.array_equal(self.columns_, columns)
                and (self.ansatz != "hamming-weight" or self.hamming_weight_ == k))
        self.frequency_ = w @ sub
        if not warm:
            self.columns_, self.n_qubits_ = columns, n
            if self.ansatz == "hamming-weight":
                self.hamming_weight_ = k
                self.occupied_ = self._top(self.frequency_, k)
            else:
                self.occupied_ = np.zeros(0, dtype=np.int64)
            self.ansatz_ = build_ansatz(n, self.n_layers, self.connectivity, self.ansatz, self.occupied_,
                                        self.init_layers)
            self.trainer_ = Trainer(self.ansatz_.n_params, self.optimizer, self.max_iterations, self.learning_rate)
            self.n_circuits_ = 0
            self.mps_ = None
        objective = Objective(self.ansatz_, unique, target, self.loss, self._simulator(), self.mmd_sigmas,
                              self.gradient)
        report: dict[str, Any] = {"qubits": n, "init": self.init, "warm_start": bool(warm),
                                  "restarted_from_mps": False}
        start = self._start_parameters(sub, w, objective, rng, warm, report)
        self.params_, self.probs_ = self.trainer_.run(objective, start, self._simulator())
        self.loss_ = objective.value_of(self.probs_)
        self.n_circuits_ += objective.n_circuits
        self.loss_history_ = self.trainer_.loss_history
        self.warm_started_ = bool(warm)
        self._sector_cache: dict[int, np.ndarray] = {}
        self.sample_probs_, route = self._sampling_distribution(rng)
        report.update(final_loss=float(self.loss_), noise=self.noise.to_dict() if self.noise else None,
                      noise_route=route, **circuit_summary(self.ansatz_.circuit),
                      total_variation_to_noiseless=float(0.5 * np.abs(self.sample_probs_ - self.probs_).sum()))
        self._report = report
        return self

    def _start_parameters(self, sub: np.ndarray, w: np.ndarray, objective: Objective, rng: np.random.Generator,
                          warm: bool, report: dict[str, Any]) -> np.ndarray:
        """Where training starts: the MPS's image, a random point, or the warm parameters."""
        if self.init == "random":
            if not warm:
                self.params_ = self._random_params(rng)
            report["initial_loss"] = float(objective.value(self.params_))
            return self.params_
        from geo.generators.qcbm.mps_start import MPSStart

        if self.mps_ is None:
            self.mps_ = MPSStart(self.mps_bond, self.init_layers)
        mapped, mps_report = self.mps_.image(sub, w, rng, self.ansatz_, objective)
        report.update(mps_report)
        mapped_loss = mps_report["mapped_loss"]
        if not warm:
            report["initial_loss"] = mapped_loss
            return mapped
        warm_loss = float(objective.value(self.params_))
        if mapped_loss < warm_loss:
            report.update(initial_loss=mapped_loss, restarted_from_mps=True)
            self.trainer_ = Trainer(self.ansatz_.n_params, self.optimizer, self.max_iterations, self.learning_rate)
            return mapped
        report["initial_loss"] = warm_loss
        return self.params_

    def _random_params(self, rng: np.random.Generator) -> np.ndarray:
        params = rng.normal(0.0, self.init_scale, self.ansatz_.n_params)
        if self.ansatz == "hardware-efficient":
            f = np.clip(self.frequency_, 0.01, 0.99)
            params[: self.n_qubits_] += 2.0 * np.arcsin(np.sqrt(f))
        return params

    def _sampling_distribution(self, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        if self.noise is None:
            return self.probs_, "noiseless"
        return noisy_probabilities(self.ansatz_.resolved(self.params_), self.ansatz_.qubits, self.noise, rng,
                                   trajectories=self.trajectories, simulator=self._simulator())

    @staticmethod
    def _top(frequency: np.ndarray, k: int) -> np.ndarray:
        ranked = np.lexsort((np.arange(len(frequency)), -frequency))
        return np.sort(ranked[:k]).astype(np.int64)

    # -- sample -----------------------------------------------------------------------------
    def sample(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None = None) -> np.ndarray:
        """``n_samples`` selections over all N assets: circuit shots, and a share from the prior."""
        self._check_fitted()
        n_prior = int(round(self.prior_share_ * int(n_samples)))
        circuit = self._circuit_samples(int(n_samples) - n_prior, rng, sizes)
        out = np.zeros((int(n_samples), self.n_assets_), dtype=bool)
        out[: len(circuit)][:, self.columns_] = circuit
        if n_prior:
            out[len(circuit):] = self._prior_samples(n_prior, rng, sizes)
        self._watch_novelty(out[: len(circuit)])
        self.seen_.update(_keys(out))
        return out

    def _prior_samples(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None) -> np.ndarray:
        """Draws of the independent prior, unseen ones first: the prior is classical and cheap, so
        it takes PRIOR_OVERSAMPLING times more draws than it returns."""
        draws = self.prior_.sample(PRIOR_OVERSAMPLING * n_samples, rng, sizes)
        keys = _keys(draws)
        _, first = np.unique(draws, axis=0, return_index=True)
        first = np.sort(first)
        fresh = [i for i in first if keys[i] not in self.seen_]
        rest = [i for i in range(len(draws)) if i not in set(fresh)]
        return draws[(fresh + rest)[:n_samples]]

    def _circuit_samples(self, n_samples: int, rng: np.random.Generator, sizes: Sequence[int] | None) -> np.ndarray:
        n = self.n_qubits_
        probs = self.sample_probs_
        self.acceptance_ = 1.0
        if self.ansatz == "hamming-weight":
            k = self.hamming_weight_
            if sizes is not None and k not in set(int(s) for s in sizes):
                allowed = np.array(sorted(set(int(s) for s in sizes if 0 <= int(s) <= n)))
                if len(allowed) == 0:
                    raise GeoError(f"no allowed size in {list(sizes)} fits {n} qubits", "pass sizes within 0..N")
                k = int(allowed[np.lexsort((-allowed, np.abs(allowed - k)))][0])
                probs = self._sector_probabilities(k)
            probs = np.where(popcounts(n) == k, probs, 0.0)
        elif self.postselect and sizes is not None:
            allowed = np.isin(popcounts(n), np.asarray(list(sizes), dtype=np.int64))
            kept = float(probs[allowed].sum())
            self.acceptance_ = kept
            if kept > 0:
                probs = np.where(allowed, probs, 0.0)
        cdf = np.cumsum(probs)
        chosen = np.searchsorted(cdf, rng.random(n_samples) * cdf[-1], side="right")
        # searchsorted(side="right") only lands on states with p > 0; u * total rounding up to the
        # total is the one edge, sent to the last state of positive probability
        chosen = np.minimum(chosen, np.flatnonzero(probs)[-1])
        shifts = np.arange(n - 1, -1, -1, dtype=np.int64)
        return ((chosen[:, None] >> shifts[None, :]) & 1).astype(bool)

    def _watch_novelty(self, shots: np.ndarray) -> None:
        """Share of distinct unseen circuit samples; on a stall, grow or mix (see the docstring)."""
        keys = _keys(shots)
        novelty = len(set(keys) - self.seen_) / max(1, len(keys))
        self._report.update(novelty=novelty, acceptance=float(self.acceptance_), prior_share=self.prior_share_)
        if not self.anti_stall or novelty >= self.stall_share:
            return
        limit = min(self.qubit_limit, self.n_assets_)
        if self.grow_step and self.qubits_now_ < limit:
            self.qubits_now_ = min(limit, self.qubits_now_ + self.grow_step)
            action = {"action": "grow_sub_universe", "qubits": self.qubits_now_}
        elif self.prior_share_ < self.max_prior_share:
            self.prior_share_ = min(self.max_prior_share, self.prior_share_ + self.prior_step)
            action = {"action": "mix_independent_prior", "prior_share": self.prior_share_}
        else:
            action = {"action": "none_left", "prior_share": self.prior_share_}
        action.update(fit=self.n_fits_, novelty=novelty)
        self.actions_.append(action)
        self._report["stall_action"] = action["action"]

    def _sector_probabilities(self, k: int) -> np.ndarray:
        if k not in self._sector_cache:
            ansatz = build_ansatz(self.n_qubits_, self.n_layers, self.connectivity, self.ansatz,
                                  self._top(self.frequency_, k), self.init_layers)
            self._sector_cache[k] = circuit_probabilities(ansatz, self.params_, self._simulator())
        return self._sector_cache[k]

    # -- what the loop and the results record -------------------------------------------------
    def iteration_report(self) -> dict[str, Any]:
        """The last fit and sample: losses, circuit size, noise, novelty and any anti-stall action."""
        return dict(self._report)

    def circuit_record(self, tickers: Sequence[str] | None = None) -> dict[str, Any]:
        """The trained circuit as plain data (:mod:`geo.generators.qcbm.record`)."""
        self._check_fitted()
        assets = [tickers[i] for i in self.columns_] if tickers is not None else self.columns_.tolist()
        return {"qubits": int(self.n_qubits_), "assets": assets, "ansatz": self.ansatz, "layers": self.n_layers,
                "init": self.init, "init_layers": self.init_layers, "mps_bond": self.mps_bond,
                "mps_layer_fidelities": self._report.get("mps_layer_fidelities"),
                "noise": self.noise.to_dict() if self.noise else None,
                "gates": gate_list(self.ansatz_, self.params_), **circuit_summary(self.ansatz_.circuit),
                "actions": list(self.actions_)}

    def log_prob(self, bitstrings: np.ndarray) -> np.ndarray:
        """Log-probability of the circuit's (possibly noisy) distribution, before postselection and
        prior mixing; -inf for a selection holding an asset outside the sub-universe."""
        self._check_fitted()
        bitstrings = np.asarray(bitstrings, dtype=bool)
        if bitstrings.ndim != 2 or bitstrings.shape[1] != self.n_assets_:
            raise GeoError(f"log_prob needs bitstrings with {self.n_assets_} columns", "pass every asset")
        outside = bitstrings[:, np.setdiff1d(np.arange(self.n_assets_), self.columns_)].any(axis=1)
        with np.errstate(divide="ignore"):
            out = np.log(self.sample_probs_[indices_of(bitstrings[:, self.columns_])])
        return np.where(outside, -np.inf, out)

    def probabilities(self) -> np.ndarray:
        """The trained noiseless Born distribution over the sub-universe's 2^m states (a copy)."""
        self._check_fitted()
        return self.probs_.copy()

    def _simulator(self):
        """The qsim simulator (a resource, not fitted state: rebuilt after unpickling)."""
        if getattr(self, "_qsim", None) is None:
            self._qsim = make_simulator(self.threads, self.max_fused_gate_size)
        return self._qsim

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_qsim", None)  # holds a C++ extension module: not picklable
        state["_sector_cache"] = {}
        return state

    def _check_fitted(self) -> None:
        if self.params_ is None or getattr(self, "probs_", None) is None:
            raise RuntimeError("fit the QCBM generator before sampling")
