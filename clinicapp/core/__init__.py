"""Shared building blocks: base mixins, errors, permissions, helpers."""
