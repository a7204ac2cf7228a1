"""Lets the pricing tests share their problem strategy and cold reference (pricing_cases.py):
tests run with --import-mode=importlib, which puts no test folder on sys.path."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
