"""Errors whose message is safe and useful to show to the model.

Every failure a caller can cause or fix is one of these; the tool layer turns it
into an MCP tool error (`isError: true`) carrying only `str(error)`. Anything
else is a bug: the SDK hides it behind a generic message and logs it.
"""


class DocReaderError(Exception):
    """Base class: the message is one actionable sentence, with no internal detail."""


class InputError(DocReaderError):
    """The call's arguments are wrong (bad base64, both or neither source, bad page range...)."""


class FetchError(DocReaderError):
    """The URL could not be fetched (refused address, HTTP error status, timeout, too large)."""


class UnsupportedTypeError(DocReaderError):
    """The bytes are of a type we do not convert (image, archive, Office file...)."""


class ConversionError(DocReaderError):
    """The document could not be converted (corrupt, encrypted, over a limit)."""
