"""What runs for a learner: the scenario player and its controls in the learner's kernel, the
response file every click is saved to, and `course lab`. A learner's kernel imports no nbgrader."""
