"""Exceptions and warnings raised by the talentsim reader."""


class TalentsimFormatError(ValueError):
    """A file is not a readable talentsim output of a supported schema.

    Raised by :func:`talentsim.open_run` (and by lazy reads of an open run)
    for a file that is not HDF5, is truncated or damaged, was written by
    another program (root attribute ``format`` is not ``"talentsim"``), or
    uses a newer major ``schema_version`` than this package reads.
    """


class IncompleteRunWarning(UserWarning):
    """The run file is marked incomplete (root attribute ``complete`` is 0).

    The simulation was interrupted; the series hold the steps written so far.
    """
