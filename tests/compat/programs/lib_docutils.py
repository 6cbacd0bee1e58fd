# docutils turns reStructuredText (a table, lists, a code block, links) into HTML.
from docutils.core import publish_string

RST = """
Compatibility
=============

A *paragraph* with **strong** text, ``literal`` text and a link_.

.. _link: https://example.org/

- one
- two

  1. nested
  2. enumerated

===== ===== =====
  A     B    A^B
===== ===== =====
False False False
True  False True
===== ===== =====

.. code-block:: text

   literal block

.. note:: An admonition.
"""
html = publish_string(RST, writer_name="html5",
                      settings_overrides={"output_encoding": "unicode",
                                          "embed_stylesheet": False,
                                          "_disable_config": True})
# The generator meta line names the docutils version only; keep everything.
print(html)
