"""The use cases behind the facade: one module each, one class or function that runs it.

``snapshot`` (``Snapshotter``) and ``rollback`` (``Restorer``) own their loops, locks and
retries; ``compare`` reads two trees and says how they differ; ``retention`` prunes;
``integrity`` verifies; ``stats`` counts. What they share lives in modules named for what it
is: ``record`` (storing a scanned tree as a snapshot), ``lookup`` (finding checkpoints and
their trees), ``index`` (the stat cache and the scan it feeds) and ``factory`` (building
checkpoints). See ARCHITECTURE.md.
"""
