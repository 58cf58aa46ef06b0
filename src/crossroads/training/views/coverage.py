"""CIT coverage: the share certified, the heat map of uncovered shifts, whom to train next."""
