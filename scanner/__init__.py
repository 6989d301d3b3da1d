"""Mijian (密检): find what may not leave, and decide allow / flag / block."""

__version__ = "0.1.0"
