"""Named people and rows for the grid tests (pytest fixtures), beside jiceng.testing.personas."""

from __future__ import annotations
