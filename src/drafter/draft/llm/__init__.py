"""LLM drafting through the official ``openai`` SDK: prompts, client, cache,
tokens and cost. Nothing here is imported unless a draft uses the model."""
