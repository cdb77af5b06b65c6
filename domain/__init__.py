"""Domain: the rules and use cases. No telegram imports; functions take a session and plain values."""
