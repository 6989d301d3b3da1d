"""Detection: normalise the text, then run every registered detector over it."""
