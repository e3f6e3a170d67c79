"""The operator at the bench: `zorka console` and `zorka send`, ground/ wired to a dictionary and a
link."""
