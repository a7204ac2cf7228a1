"""``python -m geo.cli``."""

from geo.cli import main

main(prog_name="geo")
