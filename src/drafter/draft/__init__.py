"""Drafting: the offline templates and the pipeline from plan to checked draft."""
