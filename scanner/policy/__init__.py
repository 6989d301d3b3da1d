"""Policy: turn what was found into allow / flag / block, with reasons."""
