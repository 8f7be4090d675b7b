"""drafter: follow-ups for prospects who went silent.

The core is a chain of pure functions: a deal context becomes a plan
(``drafter.plan.selector``), a plan becomes a draft (``drafter.draft.templates``), and a
draft is checked against the tone rules (``drafter.check.checker``). Files, the
clock, the network and the CLI stay at the edges.
"""

__version__ = "0.1.0"
