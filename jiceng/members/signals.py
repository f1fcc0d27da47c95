"""What the member registry tells the apps that keep a rollup over members' rows.

orglife marks each heart-to-heart talk as counted while its member is active in the branch it
was recorded in (`HeartToHeartTalk.counted`), so that the compliance rollup counts talks
without reading 100 million member rows. orglife imports members and members never imports it
(config/tests/test_house.py holds it), so the registry cannot call it: like orgs.signals, it
sends a signal and orglife connects one receiver in its AppConfig.ready.

`send`, never `send_robust`: a receiver that fails raises out of the change, and the change is
rolled back with everything the other receivers wrote.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by lifecycle.move_rollups inside the transaction of every change of a member's status or
# organization (lifecycle.change_status, lifecycle.move_organization, services.update_member),
# with `member_id`, `organization_id` (where the member now is) and `status` (the new one).
member_moved = Signal()
