"""Planning: facts from the history, the technique selector and the plan model."""
