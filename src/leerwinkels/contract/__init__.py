"""The data contract: code lists and table facts, written once (no Dagster import)."""
