"""Registered documents: keyed, winnowed fingerprints of their text, an index of them, and matching.

text.py keeps the characters that carry content; winnow.py hashes k-grams and picks fingerprints
(Schleimer et al. 2003); keyed.py turns them into keyed hashes; index.py stores them in SQLite;
match.py turns hits into passages; detector.py is the scan-time detector; register.py, data.py and
exchange.py are what `mijian register` calls.
"""
