"""Officer review: accounts, recorded decisions, the hash-chained audit log, the web console and period report."""
