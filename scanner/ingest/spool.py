"""The spool on disk: inbox → processing/<job id>/ → released | quarantine, by renames that never overwrite.

Every move is a rename (or a hard link then an unlink) on one filesystem, so a file is
always whole in exactly one place; after a crash the journal says which move to finish.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

from scanner.ingest.watch_config import SIDECAR_SUFFIXES, WatchSettings
from scanner.store.journal import QUARANTINED, Job

VERDICT_SUFFIX = ".verdict.json"


def move_no_clobber(src: Path, dst: Path) -> None:
    """Rename src to dst, failing with FileExistsError rather than replacing an existing dst.

    A hard link then an unlink is atomic against overwrites; a crash between the two leaves
    the same inode under both names, which `finish_move` recognises and completes.
    """
    try:
        os.link(src, dst)
    except FileExistsError:
        if dst.exists() and src.exists() and os.path.samefile(src, dst):
            os.unlink(src)
            return
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        # Filesystems without hard links (some SMB/FAT mounts): only this daemon writes here.
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, "target exists", str(dst)) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def sync_dir(path: Path) -> None:
    """Make the renames in a folder durable (power loss): fsync the folder itself. Best effort:
    some filesystems (SMB, some FUSE mounts) refuse to open or sync a folder."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def numbered(name: str, n: int) -> str:
    """`report.pdf` → `report (n).pdf`; a dotted archive suffix stays whole (`a.tar.gz` → `a (n).tar.gz`)."""
    if n == 0:
        return name
    stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
    return f"{stem} ({n}){dot}{ext}"


class Spool:
    """The spool folders of one daemon and the moves between them."""

    def __init__(self, settings: WatchSettings):
        self.processing = settings.processing_dir
        self.released = settings.released_dir
        self.quarantine = settings.quarantine_dir
        self.reserved: set[Path] = set()

    def job_dir(self, job: Job) -> Path:
        return self.processing / str(job.id)

    def job_file(self, job: Job) -> Path:
        return self.job_dir(job) / job.name

    def outbox(self, outcome: str, inbox: str) -> Path:
        root = self.quarantine if outcome == QUARANTINED else self.released
        return root / inbox

    def take(self, job: Job) -> bool:
        """Move a claimed file and its sidecars from the inbox into its job folder; False if it is gone.

        Safe to repeat after a crash: what is already in the job folder is left where it is.
        """
        folder = self.job_dir(job)
        folder.mkdir(parents=True, exist_ok=True)
        source = Path(job.source)
        for name in [job.name] + job.sidecars:
            src, dst = source.parent / name, folder / name
            if dst.exists():
                continue
            try:
                os.rename(src, dst)
            except FileNotFoundError:
                pass
        sync_dir(folder)
        sync_dir(source.parent)
        return self.job_file(job).exists()

    def choose_target(self, job: Job, outcome: str) -> Path:
        """A free name for the file in its outbox: its own name, else `name (1).ext`, `name (2).ext`..."""
        folder = self.outbox(outcome, job.inbox)
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(0, 1_000_000):
            candidate = folder / numbered(job.name, n)
            companions = [candidate] + [candidate.with_name(candidate.name + s) for s in SIDECAR_SUFFIXES]
            if outcome == QUARANTINED:
                companions.append(candidate.with_name(candidate.name + VERDICT_SUFFIX))
            if candidate not in self.reserved and not any(os.path.lexists(p) for p in companions):
                self.reserved.add(candidate)
                return candidate
        raise FileExistsError(errno.EEXIST, "no free name", str(folder / job.name))

    def deliver(self, job: Job, verdict_doc: dict | None) -> bool:
        """Finish the move of a decided job to its target; True when the file stands there.

        Quarantine: the verdict file is written first, so a quarantined file never stands without it.
        """
        target = Path(job.target)
        src = self.job_file(job)
        if verdict_doc is not None:
            write_json_atomic(target.with_name(target.name + VERDICT_SUFFIX), verdict_doc)
        if src.exists():
            move_no_clobber(src, target)
        elif not target.exists():
            return False
        for sidecar in job.sidecars:
            side_src = self.job_dir(job) / sidecar
            if side_src.exists():
                suffix = sidecar[len(job.name):]
                side_dst = target.with_name(target.name + suffix)
                try:
                    move_no_clobber(side_src, side_dst)
                except FileExistsError:
                    move_no_clobber(side_src, self.free_name(side_dst))
        # Durable before the journal records the delivery: after a power loss the file is where it says.
        sync_dir(target.parent)
        self.reserved.discard(target)
        self.cleanup(job)
        return True

    @staticmethod
    def free_name(path: Path) -> Path:
        n = 1
        while os.path.lexists(path.with_name(numbered(path.name, n))):
            n += 1
        return path.with_name(numbered(path.name, n))

    def cleanup(self, job: Job) -> None:
        try:
            self.job_dir(job).rmdir()
        except OSError:
            pass  # not empty (an unexpected file is kept for a person to see) or already gone


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    sync_dir(path.parent)
