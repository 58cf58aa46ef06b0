"""The training pages, one module per part: sessions and certifications, rosters and who is on
duty, CIT coverage, outcomes and the field reference."""
