"""`mijian audit verify`: check the hash chain of the audit log, name the first broken link and every decision it does not confirm."""

from __future__ import annotations

import argparse

from scanner.commands import EXIT_FOUND, EXIT_OK, add_common_options, add_db_option, open_store


def add_parser(subparsers) -> None:
    audit = subparsers.add_parser("audit", help="审计日志 / the audit log of decisions and releases")
    add_common_options(audit)
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    actions.required = True
    verify = actions.add_parser("verify", help="校验审计链，报告第一处断链 / verify the hash chain")
    add_common_options(verify)
    add_db_option(verify)
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace, lang: str) -> int:
    from scanner.review.audit import record_problems
    from scanner.store.review import ReviewStore

    review = ReviewStore(open_store(args))
    try:
        entries, broken, problems = record_problems(review)
        decisions = len(review.decisions())
    finally:
        review.store.close()
    if broken is not None:
        print(broken.message(lang))
    for problem in problems:
        print(problem.message(lang))
    if broken is not None or problems:
        return EXIT_FOUND
    head = entries[-1]["hash"] if entries else "-"
    print(f"审计链完整：共 {len(entries)} 条，末条哈希 {head}" if lang == "zh"
          else f"audit chain intact: {len(entries)} entries, head hash {head}")
    print(f"决定记录：共 {decisions} 条，均由审计链证实" if lang == "zh"
          else f"decisions: {decisions}, each confirmed by the audit chain")
    return EXIT_OK
