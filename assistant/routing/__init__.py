"""The routing stage: words in, one validated call out.

It owns the fast deterministic matcher built from the skills' examples (`matcher`), the prompt the model reads
(`prompt`), the LLM backends (`llm`: llama.cpp in process through `engine`, or a llama-server), the constrained
decoder that writes only the registry's calls (`decoder`), the rule that numbers in a call must have been said
(`grounding`), and the router that tries the fast path first and turns bad model output into none() (`router`).
It reads the registry and the call language; it never runs a skill.
"""
