"""The foundations every other floor stands on: errors, atomic writes, result types,
checkpoints, lazy registries and library versions. Nothing here imports the rest of geo."""
