"""Forwards to the geo command line, so that ``python cli.py ...`` works from a checkout."""

from geo.cli import main

if __name__ == "__main__":
    main()
