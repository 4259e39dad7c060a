"""``jingzhun demo``: build the demo county 平远县 and print the demo logins (idempotent)."""

from __future__ import annotations

import os
import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.synthetic.demo import DEMO_SEED, build_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Build the demo county (平远县) with generated households and one account per role, then print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=20_000, help="persons in the demo county (default 20,000)")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed of the generated households")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = build_demo(persons=options["persons"], seed=options["seed"], progress=options["verbosity"] >= 2)
        took = time.perf_counter() - started
        out = self.stdout
        if result["persons_created"]:
            out.write(f"演示县已生成：平远县 {result['persons_created']:,} 人，{result['households']:,} 户（{took:.1f} 秒）。\n"
                      f"Demo county built: 平远县 (441426), {result['persons_created']:,} persons, "
                      f"{result['households']:,} households in {took:.1f} s.")
        else:
            out.write("演示县已存在，未重复生成；已确认演示账号。\n"
                      "The demo county exists already; nothing was generated, the demo accounts are in place.")
        if result["examples_created"]:
            out.write(f"通过业务服务登记示例户 {result['examples_created']} 户（见审计日志）。 "
                      f"Registered {result['examples_created']} example households through the services (see the audit log).")
        header = ("用户名 username", "角色 role", "Role", "区域 area", "密码 password")
        rows = [(x.username, x.role_zh, x.role_en, x.area, x.password) for x in result["logins"]]
        widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        line = "  ".join("-" * w for w in widths)
        out.write("\n演示账号 Demo logins")
        out.write(line)
        out.write("  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)))
        out.write(line)
        for row in rows:
            out.write("  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)))
        out.write(line)
        port = os.environ.get("PORT", "8000")
        out.write(f"打开 http://127.0.0.1:{port}/ 并用以上账号登录。 Open http://127.0.0.1:{port}/ and log in with one of these accounts.")
