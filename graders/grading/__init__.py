"""Grading a submission: partial-credit scoring, the grade() that hidden test cells call, what of a
submission is graded (intake), nbgrader's autograde hooks, key self-tests and parallel cohort grading
(workers that keep one kernel per learner)."""
