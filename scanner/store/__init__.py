"""Store: every run, item, finding and verdict in SQLite."""
