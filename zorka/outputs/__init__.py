"""What a run leaves behind and what tools read: the summary, the run folder, the HTML report, OEM/AEM
truth files, and the dictionary exports (JSON, XTCE)."""
