"""The quantum circuit Born machine: ansätze, qsim simulation, training, the MPS-to-circuit map,
hardware noise and the circuit record (one module each)."""

from geo.generators.qcbm.ansatz import (ANSATZE, CONNECTIVITIES, GIVENS_RULE, PAULI_RULE, Ansatz, build_ansatz,
                                        edges)
from geo.generators.qcbm.generator import INITS, QCBMGenerator
from geo.generators.qcbm.simulation import (apply_kernel, circuit_probabilities, exact_probabilities, indices_of,
                                            make_simulator, popcounts, probabilities_of)
from geo.generators.qcbm.training import LOSSES, OPTIMIZERS, Objective, Trainer

__all__ = ["ANSATZE", "CONNECTIVITIES", "GIVENS_RULE", "INITS", "LOSSES", "OPTIMIZERS", "PAULI_RULE", "Ansatz",
           "Objective", "QCBMGenerator", "Trainer", "apply_kernel", "build_ansatz", "circuit_probabilities",
           "edges", "exact_probabilities", "indices_of", "make_simulator", "popcounts", "probabilities_of"]
