"""The eval suite (``drafter eval``): cases as data in ``evals/``, graded
offline (selection, offline drafts, rendered prompts) or live (LLM drafts).

suite.py (the file format), assertions.py (grading), run.py (running cases),
fingerprint.py, report.py (JSON, comparison, terminal, Markdown, JUnit),
session.py (one run from options to report).
"""
