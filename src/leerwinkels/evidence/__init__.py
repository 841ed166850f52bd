"""Evidence for the impact study's four assumptions (EVIDENCE.md): pure polars functions.

- :mod:`parameters`: the versioned rubric file `evidence/parameters.yaml` (pydantic-validated);
- :mod:`wilson`: the Wilson 95 % interval of a share;
- :mod:`window`: closed trajectories with their in-window follow-up response and outcome;
- :mod:`context`: ``ind_outcomes_by_context`` (for whom, what);
- :mod:`bounds`: ``ind_outcome_bounds`` (non-response: reweighted share and bounds);
- :mod:`followthrough`: ``ind_referral_followthrough``;
- :mod:`grading`: the rubric's grades and their reasons;
- :mod:`assumptions`: ``evidence_assumptions``.

No Dagster and no I/O besides reading the parameter file.
"""
