"""Custom roles, groups, users and their group memberships: what the admin's access page reads.

Lists answer offset pagination, or cursor pagination with page[size], as Zendesk's do."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, JsonResponse

from sandbox.zendesk import render
from sandbox.zendesk.errors import forbidden, not_found
from sandbox.zendesk.models import SandboxGroup, SandboxGroupMembership, SandboxRole, SandboxUser
from sandbox.zendesk.pagination import list_page
from sandbox.zendesk.views.base import ApiView


class CustomRolesView(ApiView):
    def get(self, request: HttpRequest) -> JsonResponse:
        if not self.zendesk.has_custom_roles:
            raise forbidden("Custom roles are available on Enterprise plans")
        counts = dict(
            SandboxUser.objects.filter(account=self.zendesk, custom_role__isnull=False)
            .values("custom_role")
            .annotate(members=Count("id"))
            .values_list("custom_role", "members")
        )
        roles = [
            render.custom_role(role, team_member_count=counts.get(role.pk, 0))
            for role in SandboxRole.objects.filter(account=self.zendesk).order_by("zendesk_id")
        ]
        return render.json_response(
            {"custom_roles": roles, "next_page": None, "previous_page": None, "count": len(roles)}
        )


class GroupsView(ApiView):
    def get(self, request: HttpRequest) -> JsonResponse:
        groups = SandboxGroup.objects.filter(account=self.zendesk)
        if request.GET.get("exclude_deleted", "").lower() == "true":
            groups = groups.filter(deleted=False)
        page = list_page(request, groups, key="groups", render=lambda group: render.group(group, request=request))
        return render.json_response(page)


class GroupView(ApiView):
    def get(self, request: HttpRequest, group_id: int) -> JsonResponse:
        group = SandboxGroup.objects.filter(account=self.zendesk, zendesk_id=group_id).first()
        if group is None:
            raise not_found()
        return render.json_response({"group": render.group(group, request=request)})


class UsersView(ApiView):
    def get(self, request: HttpRequest) -> JsonResponse:
        users = SandboxUser.objects.select_related("custom_role").filter(account=self.zendesk)
        defaults = dict(
            SandboxGroupMembership.objects.filter(account=self.zendesk, is_default=True).values_list(
                "user_id", "group__zendesk_id"
            )
        )

        def user(item: SandboxUser) -> dict[str, object]:
            return render.user(item, zendesk=self.zendesk, default_group_id=defaults.get(item.pk))

        return render.json_response(list_page(request, users, key="users", render=user))


class UserView(ApiView):
    def get(self, request: HttpRequest, user_id: int) -> JsonResponse:
        user = self.user_or_404(user_id)
        default = (
            SandboxGroupMembership.objects.filter(user=user, is_default=True)
            .values_list("group__zendesk_id", flat=True)
            .first()
        )
        return render.json_response({"user": render.user(user, zendesk=self.zendesk, default_group_id=default)})

    def user_or_404(self, user_id: int) -> SandboxUser:
        user = (
            SandboxUser.objects.select_related("custom_role").filter(account=self.zendesk, zendesk_id=user_id).first()
        )
        if user is None:
            raise not_found()
        return user


class UserGroupMembershipsView(UserView):
    def get(self, request: HttpRequest, user_id: int) -> JsonResponse:
        user = self.user_or_404(user_id)
        memberships = SandboxGroupMembership.objects.select_related("user", "group").filter(user=user)
        return render.json_response(
            list_page(request, memberships, key="group_memberships", render=render.group_membership)
        )
