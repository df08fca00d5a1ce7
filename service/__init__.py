"""Tally: a fact-checking service for contradictory official figures."""

__version__ = "0.1.0"
