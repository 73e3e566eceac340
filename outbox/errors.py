"""The one error the outbox actions raise for requests they cannot carry out."""


class ActionError(ValueError):
    """A local action refused, with a reason fit to show the artist (the client API's 422)."""
