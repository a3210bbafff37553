"""Exceptions and warnings raised by the talentsim reader."""


class TalentsimFormatError(ValueError):
    """A file is not a readable talentsim output of a supported schema.

    Raised by :func:`talentsim.open_run` (and by lazy reads of an open run)
    for a file that is not HDF5, is truncated or damaged, was written by
    another program (root attribute ``format`` is not ``"talentsim"``),
    uses a newer major ``schema_version`` than this package reads (or one
    that is not an integer), or was edited so that its tables disagree: a
    dataset missing or of the wrong kind or shape, sizes that do not match
    (``/firms/name`` shorter than the firm series, ``/events`` columns of
    unequal length, snapshots wider than the researcher table) or an index
    out of range (event researcher, firm or kind code, snapshot employer).
    The message is one line and names the dataset or attribute.
    """


class IncompleteRunWarning(UserWarning):
    """The run file is marked incomplete (root attribute ``complete`` is 0).

    The simulation was interrupted; the series hold the steps written so far.
    """


class StaleSweepWarning(UserWarning):
    """A collected sweep (``sweep.h5``) is older than its runs.

    Raised by :func:`talentsim.open_sweep` when a collected point's run file
    was modified after ``talentsim sweep collect``, or a point that was
    missing or failed then now has a complete run file. Collect again.
    """
