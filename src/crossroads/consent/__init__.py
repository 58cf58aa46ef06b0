"""42 CFR Part 2 consent: the consent record, the disclosure decision made at the moment of every
disclosure (`policy.py`, pure; `actions.disclosure_decide`, the one door), court orders,
break-glass emergency access and the accounting of disclosures."""
