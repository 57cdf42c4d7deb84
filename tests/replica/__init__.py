"""Test bed: a local replica of NHS England's publication page, and a workbook generator."""
