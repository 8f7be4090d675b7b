"""Checking a message against the tone rules: rules, checker, readability."""
