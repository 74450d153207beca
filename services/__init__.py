"""Domain logic. Never imports discord: takes ids and plain values, returns frozen dataclasses."""
