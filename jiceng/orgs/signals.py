"""What the organization tree tells the apps that keep rollups over it.

dues (`SubtreeTotal`, a month summed over each subtree) and development (`AdmissionTally`, a
year's admissions summed over each subtree) sum their rows up the tree, so when a subtree moves
their rows above it must follow, in the move's own transaction. Those apps import orgs and orgs
never imports them (config/tests/test_house.py holds it), so the tree cannot call them: it
sends a signal, and each app connects one receiver in its AppConfig.ready. This is against the
habit of the codebase (no signals) for that reason alone; the receivers do no more than call
`rollups.move_keyed_rows` on their model.

`send`, never `send_robust`: a receiver that fails raises out of the move, and the move is
rolled back with everything the other receivers wrote.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by services.move_organization inside its transaction, once the subtree has moved, with
# `organization` (the moved subtree's root, its path the new one), `old_parent_path` and
# `new_parent_path`. A rename, an edit or a dissolution sends nothing: none of them changes
# which subtrees an organization lies in (a dissolved organization keeps its place and rows).
organization_moved = Signal()
