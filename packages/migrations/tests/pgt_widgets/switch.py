"""Knobs the tests turn: schemas whose data migration fails, and a delay inside it."""

from __future__ import annotations

FAIL_IN: set[str] = set()
DELAY = 0.0
