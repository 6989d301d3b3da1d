"""The spool on disk: inbox → processing/<job id>/ → released | quarantine, by renames that never overwrite.

Every move is a rename (or a hard link then an unlink) on one filesystem, so a file is
always whole in exactly one place; after a crash the journal says which move to finish.
A job's name is its path relative to the inbox (`项目A/附件/plan.docx`): the job folder and the
outboxes mirror its sub-folders. A name too long for its sidecars (over 241 bytes) stands in the job
folder under its short stem, and its companions are named after that stem (fitnames.py).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path

from scanner.ingest.fitnames import companion, fit, short_stem
from scanner.ingest.watch_config import SIDECAR_SUFFIXES, WatchSettings
from scanner.store.journal import QUARANTINED, Job

VERDICT_SUFFIX = ".verdict.json"


def move_no_clobber(src: Path, dst: Path) -> None:
    """Rename src to dst, failing with FileExistsError rather than replacing an existing dst.

    A hard link then an unlink is atomic against overwrites; a crash between the two leaves
    the same inode under both names, which `finish_move` recognises and completes.
    """
    try:
        os.link(src, dst, follow_symlinks=False)  # a symbolic link moves as itself, never as what it names
    except FileExistsError:
        if _same_inode(src, dst):
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


def _same_inode(a: Path, b: Path) -> bool:
    try:
        sa, sb = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def name_parts(name: str) -> tuple[str, ...]:
    """The components of a job's name (a path relative to its inbox, `/` separated), checked to stay inside.

    A directory walk cannot produce `..`, `.`, empty components or an absolute path; a name that has
    them anyway (a tampered journal) is refused before anything moves. Other control characters
    are legal in a POSIX file name and stay inside the inbox: such a file is decided like any other.
    """
    parts = tuple(name.split("/"))
    if not name or name.startswith("/") or "\0" in name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"不安全的文件名：{name!r} (unsafe file name: {name!r})")
    return parts


def open_dir_nofollow(root: Path, parts: tuple[str, ...] | list[str]) -> int:
    """A descriptor of root/parts..., opened one component at a time without following symbolic links."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    fd = os.open(root, flags)
    try:
        for part in parts:
            child = os.open(part, flags | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _fsync_fd(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError:
        pass


def make_dirs(root: Path, parts: tuple[str, ...] | list[str]) -> Path:
    """root/parts... as folders, each new level made durable in its parent; root must exist."""
    folder = root
    for part in parts:
        parent, folder = folder, folder / part
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        sync_dir(parent)
    return folder


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
        """Where the file stands while it is decided: its own name, or its short stem when its
        sidecars would not fit beside it (so the approval sidecar is found under that stem)."""
        parts = name_parts(job.name)
        return self.job_dir(job).joinpath(*parts[:-1], short_stem(parts[-1]))

    def outbox(self, outcome: str, inbox: str) -> Path:
        root = self.quarantine if outcome == QUARANTINED else self.released
        return root / inbox

    @staticmethod
    def inbox_root(job: Job) -> Path:
        """The inbox a job came from: its source path without its name."""
        parts = name_parts(job.name)
        source = Path(job.source)
        if len(source.parts) <= len(parts) or source.parts[-len(parts):] != parts:
            raise ValueError(f"文件名与来源不符：{job.name!r} (name does not match its source {job.source!r})")
        return Path(*source.parts[:-len(parts)])

    def take(self, job: Job) -> bool:
        """Move a claimed file and its sidecars from the inbox into its job folder; False if it is gone.

        Sub-folders are mirrored inside the job folder. The inbox side is opened one folder at a time
        without following symbolic links, so nothing outside the inbox is ever moved.
        Safe to repeat after a crash: what is already in the job folder is left where it is.
        """
        parts = name_parts(job.name)
        for sidecar in job.sidecars:
            if name_parts(sidecar)[:-1] != parts[:-1]:
                raise ValueError(f"附属文件不在同一目录：{sidecar!r} (sidecar not beside its file)")
        self.processing.mkdir(parents=True, exist_ok=True)
        folder = make_dirs(self.processing, (str(job.id),) + parts[:-1])
        try:
            fd = open_dir_nofollow(self.inbox_root(job), parts[:-1])
        except (FileNotFoundError, NotADirectoryError):
            fd = None  # the sub-folder is gone (or is now a symbolic link): nothing left to take from it
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            fd = None
        try:
            base = parts[-1]
            if short_stem(base) != base and os.path.lexists(folder / base):
                os.rename(folder / base, folder / short_stem(base))  # taken by a version that kept long names
            for name in [job.name] + job.sidecars:
                base = name_parts(name)[-1]
                dst = folder / (short_stem(base) if name == job.name else base)
                if fd is None or os.path.lexists(dst):
                    continue
                try:
                    os.rename(base, dst, src_dir_fd=fd)
                except FileNotFoundError:
                    pass
            sync_dir(folder)
            if fd is not None:
                _fsync_fd(fd)
        finally:
            if fd is not None:
                os.close(fd)
        return os.path.lexists(self.job_file(job))

    def _mirror(self, root: Path, folders: tuple[str, ...]) -> Path:
        """root/folders... as real folders; a level taken by a file or a link gets `name (1)`, `name (2)`..."""
        folder = root
        for part in folders:
            for n in range(0, 1_000_000):
                candidate = folder / fit(numbered(part, n))
                try:
                    st = os.lstat(candidate)
                except FileNotFoundError:
                    try:
                        os.mkdir(candidate)
                    except FileExistsError:
                        pass  # made meanwhile: look at it again
                    else:
                        sync_dir(folder)
                    try:
                        st = os.lstat(candidate)
                    except FileNotFoundError:
                        continue
                if stat.S_ISDIR(st.st_mode):
                    folder = candidate
                    break
            else:
                raise FileExistsError(errno.EEXIST, "no free folder name", str(folder / part))
        return folder

    def choose_target(self, job: Job, outcome: str) -> Path:
        """A free name for the file in its outbox, in the same sub-folders as in the inbox: its own name,
        else `name (1).ext`, `name (2).ext`..."""
        parts = name_parts(job.name)
        root = self.outbox(outcome, job.inbox)
        root.mkdir(parents=True, exist_ok=True)
        folder = self._mirror(root, parts[:-1])
        for n in range(0, 1_000_000):
            candidate = folder / fit(numbered(parts[-1], n))
            companions = [candidate] + [candidate.with_name(companion(candidate.name, s)) for s in SIDECAR_SUFFIXES]
            if outcome == QUARANTINED:
                companions.append(candidate.with_name(companion(candidate.name, VERDICT_SUFFIX)))
            if candidate not in self.reserved and not any(os.path.lexists(p) for p in companions):
                self.reserved.add(candidate)
                return candidate
        raise FileExistsError(errno.EEXIST, "no free name", str(folder / parts[-1]))

    def deliver(self, job: Job, verdict_doc: dict | None) -> bool:
        """Finish the move of a decided job to its target; True when the file stands there.

        Quarantine: the verdict file is written first, so a quarantined file never stands without it.
        A target folder removed meanwhile is made again; one that cannot be (a file stands in its
        place) is a FileExistsError, and the daemon chooses another target.
        """
        target = Path(job.target)
        src = self.job_file(job)
        if os.path.lexists(src):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise FileExistsError(errno.EEXIST, "target folder is taken", str(target.parent)) from exc
            if not target.parent.is_dir() or target.parent.is_symlink():
                raise FileExistsError(errno.EEXIST, "target folder is taken", str(target.parent))
        if verdict_doc is not None and os.path.lexists(src):
            write_json_atomic(target.with_name(companion(target.name, VERDICT_SUFFIX)), verdict_doc)
        if os.path.lexists(src):
            move_no_clobber(src, target)
        elif not os.path.lexists(target):
            return False
        for sidecar in job.sidecars:
            side_src = self.job_dir(job).joinpath(*name_parts(sidecar))
            if os.path.lexists(side_src):
                suffix = next(s for s in SIDECAR_SUFFIXES if sidecar.endswith(s))
                side_dst = target.with_name(companion(target.name, suffix))
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
        while os.path.lexists(path.with_name(fit(numbered(path.name, n)))):
            n += 1
        return path.with_name(fit(numbered(path.name, n)))

    def cleanup(self, job: Job) -> None:
        """Remove the job folder and the sub-folders made in it, deepest first, if they are empty."""
        folders = name_parts(job.name)[:-1]
        for depth in range(len(folders), -1, -1):
            try:
                self.job_dir(job).joinpath(*folders[:depth]).rmdir()
            except FileNotFoundError:
                continue  # already gone (a repeat after a crash)
            except OSError:
                return  # not empty (an unexpected file is kept for a person to see)


def write_json_atomic(path: Path, data: dict) -> None:
    # A short temporary name: `.NAME.pid.tmp` of a 255-byte NAME would not fit.
    tag = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:12]
    tmp = path.with_name(f".{tag}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    sync_dir(path.parent)
