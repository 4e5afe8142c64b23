"""The course's material as data: the scenario format and its loading, citations, branching, the
key-free release copy, and the cells a module notebook is built from. Used by every other part;
imports nothing else of graders."""
