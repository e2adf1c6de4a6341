"""The test app's data migration: a widget per schema; fails in the schemas in ``pgt_widgets.switch.FAIL_IN``."""

from __future__ import annotations

from importlib import import_module

Migration = import_module("packages.migrations.tests.pgt_widgets.migrations.0002_seed").Migration
