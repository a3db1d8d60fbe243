"""Model versions in the database: files by SHA-256, versions per model, the version served.

Never commits: callers own the transaction. Metadata is stored as the JSON of ml.schema.ModelMeta
(validated by the caller); this module only moves rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Model, ModelFile, ModelVersion


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    model_name: str
    number: int
    sha256: str
    meta: dict[str, Any]
    created_at: datetime
    created_by: str | None
    current: bool


async def current_versions(session: AsyncSession, known: dict[str, int] | None = None) -> list[VersionRow]:
    """The served version of every model that has one, or (with `known`: name -> version id) only
    of those whose served version differs from what the caller knows."""
    rows = (
        await session.execute(select(Model.name, Model.version_id).where(Model.version_id.is_not(None)))
    ).all()
    wanted = [vid for name, vid in rows if known is None or known.get(name) != vid]
    if not wanted:
        return []
    return await _versions(session, ModelVersion.id.in_(wanted), current=True)


async def served_version_ids(session: AsyncSession) -> dict[str, int | None]:
    """name -> served version id, for every model row (cheap: no metadata)."""
    return {name: vid for name, vid in (await session.execute(select(Model.name, Model.version_id))).all()}


async def model_versions(session: AsyncSession, name: str) -> list[VersionRow]:
    model = await session.scalar(select(Model).where(Model.name == name))
    if model is None:
        return []
    rows = await _versions(session, ModelVersion.model_id == model.id, current=False)
    return [replace(r, current=r.id == model.version_id) for r in rows]


async def _versions(session: AsyncSession, where: Any, current: bool) -> list[VersionRow]:
    result = await session.execute(
        select(ModelVersion, Model.name)
        .join(Model, Model.id == ModelVersion.model_id)
        .where(where)
        .order_by(Model.name, ModelVersion.number)
    )
    return [
        VersionRow(
            id=v.id,
            model_name=name,
            number=v.number,
            sha256=v.sha256,
            meta=dict(v.meta),
            created_at=v.created_at,
            created_by=v.created_by,
            current=current,
        )
        for v, name in result.all()
    ]


async def version_by_id(session: AsyncSession, version_id: int) -> VersionRow | None:
    rows = await _versions(session, ModelVersion.id == version_id, current=False)
    return rows[0] if rows else None


async def file_bytes(session: AsyncSession, sha256: str) -> bytes | None:
    return await session.scalar(select(ModelFile.data).where(ModelFile.sha256 == sha256))


async def files_bytes(session: AsyncSession, sha256s: list[str]) -> dict[str, bytes]:
    rows = await session.execute(
        select(ModelFile.sha256, ModelFile.data).where(ModelFile.sha256.in_(sha256s))
    )
    return {sha: data for sha, data in rows.all()}


async def add_version(
    session: AsyncSession,
    *,
    name: str,
    meta: dict[str, Any],
    data: bytes,
    sha256: str,
    fmt: str,
    cost: Decimal | None,
    created_by: str | None,
    new_cost: Decimal = Decimal(0),
) -> tuple[VersionRow, int | None]:
    """Store `data` (once per SHA-256) as the next version of `name` and serve it; a new model
    gets a row (at `cost`, or `new_cost` without one), an existing one keeps its cost unless
    `cost` is given. Returns the
    new version and the number of the version it replaced (None for a new model). Two uploads
    of one name at once: the second hits the unique (model, number) index and raises."""
    if await session.scalar(select(ModelFile.sha256).where(ModelFile.sha256 == sha256)) is None:
        session.add(ModelFile(sha256=sha256, format=fmt, size=len(data), data=data))
    model = await session.scalar(select(Model).where(Model.name == name))
    previous: int | None = None
    if model is None:
        model = Model(name=name, cost=float(new_cost if cost is None else cost), file_path="", is_active=True)
        session.add(model)
        await session.flush()
    else:
        if model.version_id is not None:
            previous = await session.scalar(
                select(ModelVersion.number).where(ModelVersion.id == model.version_id)
            )
        if cost is not None:
            model.cost = float(cost)
    number = 1 + (
        await session.scalar(
            select(func.coalesce(func.max(ModelVersion.number), 0)).where(ModelVersion.model_id == model.id)
        )
        or 0
    )
    version = ModelVersion(model_id=model.id, number=number, sha256=sha256, meta=meta, created_by=created_by)
    session.add(version)
    await session.flush()
    model.version_id = version.id
    model.file_path = f"{name}.v{number}{_suffix(fmt)}"
    await session.flush()
    return VersionRow(**_fields_of(version, name), current=True), previous


async def set_version_meta(session: AsyncSession, version_id: int, meta: dict[str, Any]) -> None:
    """Replace a version's metadata (the built-in models' words, rewritten for people: the
    file and the inputs it declares stay the same)."""
    await session.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(meta=meta))


async def serve_version(session: AsyncSession, name: str, number: int) -> VersionRow | None:
    """Serve version `number` of `name` again (a roll-back, or forward again); None if there is
    no such version."""
    model = await session.scalar(select(Model).where(Model.name == name))
    if model is None:
        return None
    version = await session.scalar(
        select(ModelVersion).where(ModelVersion.model_id == model.id, ModelVersion.number == number)
    )
    if version is None:
        return None
    fmt = await session.scalar(select(ModelFile.format).where(ModelFile.sha256 == version.sha256))
    await session.execute(
        update(Model)
        .where(Model.id == model.id)
        .values(version_id=version.id, file_path=f"{name}.v{number}{_suffix(fmt or '')}")
    )
    return VersionRow(**_fields_of(version, name), current=True)


def _fields_of(version: ModelVersion, name: str) -> dict[str, Any]:
    return {
        "id": version.id,
        "model_name": name,
        "number": version.number,
        "sha256": version.sha256,
        "meta": dict(version.meta),
        "created_at": version.created_at,
        "created_by": version.created_by,
    }


def _suffix(fmt: str) -> str:
    return f".{fmt}" if fmt else ""
