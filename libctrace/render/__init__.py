"""Renderers: one function per output form, each taking recorded or derived data."""
