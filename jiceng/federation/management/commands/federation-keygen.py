"""jiceng federation-keygen: a new X25519 key pair for this instance's exchange. The private key
goes into this instance's JICENG_FEDERATION_KEY (a secret); the public key into the
JICENG_FEDERATION_PEER_KEYS of each instance it exchanges with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiceng.federation import keys


class Command(BaseCommand):
    help = "生成本实例的联邦交换密钥对"

    def handle(self, *args: Any, **options: Any) -> None:
        private = keys.new_private_key()
        self.stdout.write(f"JICENG_FEDERATION_KEY={private}")
        self.stdout.write(f"公钥（供对方实例配置）：{keys.public_key_text(private)}")
