"""42 CFR Part 2 consent: the consent record, the disclosure decision, the accounting (issue 5).

So far only the decision exists (`policy.py`, pure); the models, pages and API build on it."""
