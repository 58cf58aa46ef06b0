"""The analytics pages: the program manager's dashboard (dashboard.py), the records behind a
number (drilldown.py), the evaluation with its cost calculator, and the agency's parameters
(evaluation.py). Every page reads the snapshot through analytics/queries.py."""
