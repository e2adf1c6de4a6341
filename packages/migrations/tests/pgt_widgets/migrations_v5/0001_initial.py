"""The same migration as in ``migrations_v4``."""

from __future__ import annotations

from importlib import import_module

Migration = import_module("packages.migrations.tests.pgt_widgets.migrations_v4.0001_initial").Migration
