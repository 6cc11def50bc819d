"""/api/v1/users: sign-up, listing, and reading, replacing, patching or deleting one user."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.deps import CallerDep, OptionalCallerDep, UserServiceDep
from app.api.openapi import errors
from app.api.schemas import UserCreate, UserEnvelope, UserPage, UserPatch, UserReplace
from app.core.domain import ID_MAX
from app.core.http import API_PREFIX
from app.core.listing import DEFAULT_LIMIT, LIMIT_MAX, LIMIT_MIN, PAGE_MIN, SEARCH_MAX, ListQuery

router = APIRouter(prefix="/users", tags=["users"], responses=errors(429, 500))

# Anything but a positive 64-bit integer names no user: a 404 (see the error handlers).
UserId = Annotated[int, Path(ge=1, le=ID_MAX, description="The user's id.")]
BODY_ERRORS = (400, 401, 403, 404, 409, 413, 415)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Sign up (an admin's token may also set the role)",
    responses=errors(400, 401, 403, 409, 413, 415),
)
async def create_user(
    payload: UserCreate, response: Response, users: UserServiceDep, caller: OptionalCallerDep
) -> UserEnvelope:
    user = await users.register(
        email=payload.email,
        name=payload.name,
        password=payload.password,
        role=payload.role,
        actor=await caller.optional_principal(),
    )
    response.headers["Location"] = f"{API_PREFIX}/users/{user.id}"
    return UserEnvelope.of(user)


@router.get("", summary="List users (admins only)", responses=errors(400, 401, 403))
async def list_users(
    users: UserServiceDep,
    caller: CallerDep,
    page: Annotated[int, Query(ge=PAGE_MIN)] = 1,
    limit: Annotated[int, Query(ge=LIMIT_MIN, le=LIMIT_MAX)] = DEFAULT_LIMIT,
    search: Annotated[
        str, Query(max_length=SEARCH_MAX, description="Name or e-mail contains it.")
    ] = "",
) -> UserPage:
    query = ListQuery(page=page, limit=limit, search=search or None)
    return UserPage.of(await users.list(query, await caller.principal()))


@router.get("/me", summary="The signed-in user", responses=errors(401))
async def read_me(users: UserServiceDep, caller: CallerDep) -> UserEnvelope:
    actor = await caller.principal()
    return UserEnvelope.of(await users.get(actor.user_id, actor))


@router.get("/{user_id:int}", summary="One user", responses=errors(401, 403, 404))
async def read_user(user_id: UserId, users: UserServiceDep, caller: CallerDep) -> UserEnvelope:
    return UserEnvelope.of(await users.get(user_id, await caller.principal()))


@router.put(
    "/{user_id:int}", summary="Replace a user's writable fields", responses=errors(*BODY_ERRORS)
)
async def replace_user(
    user_id: UserId, payload: UserReplace, users: UserServiceDep, caller: CallerDep
) -> UserEnvelope:
    actor = await caller.principal()
    return UserEnvelope.of(await users.update(user_id, payload.changes(), actor))


@router.patch(
    "/{user_id:int}", summary="Change some of a user's fields", responses=errors(*BODY_ERRORS)
)
async def patch_user(
    user_id: UserId, payload: UserPatch, users: UserServiceDep, caller: CallerDep
) -> UserEnvelope:
    actor = await caller.principal()
    return UserEnvelope.of(await users.update(user_id, payload.changes(), actor))


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a user and the user's refresh tokens",
    responses=errors(401, 403, 404),
)
async def delete_user(user_id: UserId, users: UserServiceDep, caller: CallerDep) -> None:
    await users.delete(user_id, await caller.principal())
