"""Mutation testing of the rule modules with mutmut: what to mutate, which tests judge each module, the report."""
