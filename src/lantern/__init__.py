"""Lantern: a multi-agency safeguarding platform."""

__version__ = "0.1.0"
