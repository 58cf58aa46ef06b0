"""Precincts, shifts, squads, who works where, and who is on duty now."""
