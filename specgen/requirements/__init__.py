"""Every requirement sentence of the OCI Distribution Specification, mapped to what covers it.

The table (``descriptors/oci_v1_1/requirements.yaml``) lists each MUST/SHOULD/MAY sentence and
endpoint row of the spec's main branch by section, keyword and a hash of its text, in our own
words, with the descriptor that states it, the server code or test that honours it and the
``specgen check`` scenario that verifies it, or the reason it is not covered. ``specgen coverage``
renders it as ``docs/oci-coverage.md``; with the spec's text at hand it also proves the table
complete (``extract``), so nothing is silently absent.
"""
