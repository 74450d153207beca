"""Cross-cutting pieces of Mutuals: settings, database, scheduling, delivery, errors."""
