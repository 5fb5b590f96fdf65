"""The audit trail: from a logged prediction to the commit that shipped its model.

- ``resolver.py``: :class:`TrailResolver` links the hops (prediction → deployment → model
  version → run → release → build → training-data folders → commit), each with why it
  links or why not; ``Hop`` and ``Trail`` are its records.
- ``served.py``: which deployment served a prediction whose log names none (the model
  version the log names, then the endpoint's traffic split), and how certain that is.
"""
