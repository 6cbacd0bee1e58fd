"""heapreel — mark points of a run, and read traces back.

Under ``heapreel record`` the recorder's built-in ``heapreel`` module is
imported instead of this package (built-in modules are found before
``sys.path``): ``mark``, ``start`` and ``stop`` then talk to the recorder.
Under a plain ``python3.11`` this package stands in for it, so a program
that marks its phases runs unchanged: the three calls check their
arguments as the recorder does and do nothing else.

``heapreel.open(path)`` reads a trace by running the ``heapreel`` command
(see ``heapreel.reader``); importing this package imports nothing else.
"""

__all__ = ["mark", "start", "stop", "open"]


def mark(label):
    """Record a mark labelled `label` (a str): a no-op outside a recording."""
    if not isinstance(label, str):
        raise TypeError("mark() argument 'label' must be str, not %.200s"
                        % type(label).__name__)
    if "\0" in label:
        raise ValueError("mark() label contains a null character")


def start():
    """Start recording here (--start-paused): a no-op outside a recording."""


def stop():
    """Stop recording here (--start-paused, --start-at-mark): a no-op outside a recording."""


def open(path, heapreel=None):   # noqa: A001 - the reader's entry point, as the docs name it
    """A Trace reading the trace file at `path` (see heapreel.reader.Trace)."""
    from heapreel.reader import Trace
    return Trace(path, heapreel=heapreel)


def __getattr__(name):
    # The reader's names, imported on first use: `import heapreel` stays one module.
    if name in ("Trace", "HeapreelError", "reader"):
        from heapreel import reader
        return reader if name == "reader" else getattr(reader, name)
    raise AttributeError(f"module 'heapreel' has no attribute {name!r}")
