"""The same migration as in ``migrations``."""

from __future__ import annotations

from importlib import import_module

Migration = import_module("packages.migrations.tests.pgt_widgets.migrations.0001_initial").Migration
