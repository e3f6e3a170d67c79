"""`zorka wire`: a paced, faulty serial link between two ports (baud-rate pacing, corruption, dropouts)."""
