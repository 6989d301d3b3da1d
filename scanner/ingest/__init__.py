"""Ingest: find the items to scan (folders, files; archives and gateways later)."""
