"""Quantum-native methods (peers of geo.classical): QAOA on the equal-weight QUBO proxy."""
