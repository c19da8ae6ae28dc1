"""CLI: `python -m db geo-build [--dir DIR] [--force]`: prepare the boundaries of every level once.

The children of 全国, of each province and of each city, simplified per level, written as files
under instance/geo (env GEO_DIR) by dashboard/geo_areas.py. Run it at install; otherwise the first
request that needs them builds them (once, under a lock) and every process reuses the files.
"""

from __future__ import annotations


def add_commands(sub) -> None:
    build = sub.add_parser("geo-build", help="预先生成全国、各省、各市下级区划的简化边界（存于 instance/geo，只需一次）")
    build.add_argument("--dir", default=None, metavar="目录", help="存放目录，默认 instance/geo（或环境变量 GEO_DIR）")
    build.add_argument("--force", action="store_true", help="即使已生成也重新生成")
    build.set_defaults(run=run_geo_build)


def run_geo_build(_engine, args) -> int:
    from dashboard import geo_areas

    target = geo_areas.set_directory(args.dir)
    if (target / "manifest.json").exists() and not args.force:
        print(f"边界已生成，无需重复：{target}（如需重建请加 --force）")
        return 0
    print(geo_areas.build(args.dir).describe())
    return 0
