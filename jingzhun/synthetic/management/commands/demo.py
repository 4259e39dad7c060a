"""``jingzhun demo``: build the demo county and print the demo logins (idempotent)."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.synthetic.demo import build_demo


class Command(BaseCommand):
    help = "Build the demo county (平远县) and accounts, then print the logins. 生成演示县与演示账号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=20_000, help="persons in the demo county")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = build_demo(persons=options["persons"], seed=options["seed"])
        took = time.perf_counter() - started
        if result["persons_created"]:
            self.stdout.write(f"演示县已生成：{result['persons_created']:,} 人（{took:.1f} 秒）。"
                              f" Demo county built: {result['persons_created']:,} persons in {took:.1f} s.")
        else:
            self.stdout.write("演示县已存在，未重复生成。 The demo county exists already; nothing was generated.")
        self.stdout.write(f"\n演示账号 Demo logins (password 密码: {result['password']})")
        self.stdout.write(f"  {'username 用户名':<22} {'role 角色':<28} area 区域")
        for login in result["logins"]:
            self.stdout.write(f"  {login.username:<22} {login.role:<28} {login.area}")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"\n打开 Open http://127.0.0.1:{port}/ 并登录 and log in.")
