"""What a run or a command writes for people and tools: the dictionary exports (JSON, XTCE)."""
