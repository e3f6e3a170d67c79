"""`zorka bench`: the performance figures against their goals."""
