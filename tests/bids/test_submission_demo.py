"""The demo seed: member keys (files with the documented passphrase), opening keys, sealed bids;
repeatable."""

import pytest

from bids.crypto import MemberKeyFile
from bids.demo import DEMO_KEY_PASSPHRASE, demo_key_dir
from bids.models import Bid, MemberKey, OpeningKey
from procurement.core.demo import seed_all

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_keys_and_bids_and_is_repeatable():
    seed_all()
    assert MemberKey.objects.count() == 3
    assert OpeningKey.objects.exists()
    assert Bid.objects.count() == 2
    key_file = MemberKeyFile.from_json((demo_key_dir() / "committee1.key.json").read_text())
    assert key_file.unlock(passphrase=DEMO_KEY_PASSPHRASE).public_key.key_id_hex == (
        MemberKey.objects.get(user__username="committee1").kid
    )
    seed_all()
    assert MemberKey.objects.count() == 3
    assert Bid.objects.count() == 2
