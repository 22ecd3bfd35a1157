"""Trusera SDK for Python."""
