"""Maintenance commands for the text: keep the catalogues in step, convert the old two-tree layout."""
