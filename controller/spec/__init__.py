"""Spec files: YAML loading with positions, models, JSON Schema (pipeline stage 1)."""
