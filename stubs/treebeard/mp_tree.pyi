from typing import Any, ClassVar, Literal, TypeVar

from django.db import models

_Node = TypeVar("_Node", bound=MP_Node)

class MP_NodeQuerySet(models.QuerySet[_Node, _Node]): ...

class MP_NodeManager(models.Manager[_Node]):
    def get_queryset(self) -> MP_NodeQuerySet[_Node]: ...
    def add_root(
        self, create_kwargs: dict[str, Any] | None = ..., *, instance: _Node | None = ...
    ) -> _Node: ...
    def add_child(
        self,
        target: _Node,
        create_kwargs: dict[str, Any] | None = ...,
        *,
        instance: _Node | None = ...,
    ) -> _Node: ...
    def move(
        self,
        node: _Node,
        target: _Node,
        pos: Literal[
            "first-child",
            "last-child",
            "sorted-child",
            "first-sibling",
            "left",
            "right",
            "last-sibling",
            "sorted-sibling",
        ]
        | None = ...,
    ) -> None: ...
    def get_children_count(self, node: _Node) -> int: ...
    def find_problems(
        self, parent: _Node | None = ...
    ) -> tuple[list[int], list[int], list[int], list[int], list[int]]: ...

class MP_Node(models.Model):
    steplen: ClassVar[int]
    alphabet: ClassVar[str]
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveIntegerField()
    numchild = models.PositiveIntegerField(default=0)
    objects: MP_NodeManager[Any]
