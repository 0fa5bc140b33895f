"""The tracker's JSON API: list the actions a caller may see, post a progress update to one.

A stable interface used by programs outside the project: change fields only by adding them.
"""

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions, services
from .authentication import NamedTokenAuthentication
from .filters import filtered_actions
from .models import AgencyAction, ProgressUpdate


class SeesTracker(BasePermission):
    message = "The learning tracker is for the partnership's agencies."

    def has_permission(self, request, view):
        return permissions.can_see_tracker(request.user)


class TrackerAPIView:
    # Token first, so an anonymous caller is told how to authenticate (401, not 403).
    authentication_classes = [NamedTokenAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [SeesTracker]


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class ActionSerializer(serializers.ModelSerializer):
    agency = AgencySerializer()
    recommendation = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    rag_set_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    has_slipped = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField()
    partnership = serializers.SerializerMethodField()

    class Meta:
        model = AgencyAction
        fields = [
            "id",
            "agency",
            "recommendation",
            "review",
            "description",
            "lead_officer",
            "original_due_date",
            "current_due_date",
            "status",
            "rag",
            "rag_set_by",
            "rag_set_at",
            "version",
            "challenge_answer_due",
            "is_overdue",
            "has_slipped",
            "url",
            "partnership",
        ]

    def get_recommendation(self, action):
        recommendation = action.recommendation
        if recommendation is None:
            return None
        return {
            "id": recommendation.pk,
            "number": recommendation.number,
            "text": recommendation.text,
        }

    def get_review(self, action):
        review = action.review
        if review is None:
            return None
        return {
            "id": review.pk,
            "title": review.title,
            "url": review.get_url(self.context.get("request")),
        }

    def get_partnership(self, action):
        """The name of the action's partnership (read with the list: `with_partnership()`)."""
        return getattr(action, "partnership_name", None)

    def get_url(self, action):
        return self.context["request"].build_absolute_uri(action.get_absolute_url())


class ActionList(TrackerAPIView, ListAPIView):
    """GET /api/learning/actions/?agency=&status=&overdue=&review=&partnership= — only what the
    caller may see.

    The tracker's one filter form reads the parameters (the pages' other filters work too); a bad
    value is a 400 naming each field and what is wrong with it.
    """

    serializer_class = ActionSerializer

    def get_queryset(self):
        form, actions = filtered_actions(self.request.user, self.request.query_params)
        if form.refused:
            raise ValidationError(
                {name: [str(error) for error in errors] for name, errors in form.errors.items()}
            )
        return actions.with_context().with_partnership().overdue_first()


class ProgressUpdateInput(serializers.Serializer):
    note = serializers.CharField(max_length=services.NOTE_MAX_LENGTH)
    status = serializers.ChoiceField(choices=AgencyAction.Status.choices)
    rag = serializers.ChoiceField(
        choices=AgencyAction.RAG.choices,
        required=False,
        allow_blank=True,
        help_text="Left out or blank: the action's RAG stays as it is.",
    )
    version = serializers.IntegerField(min_value=1)

    def validate_status(self, value):
        allowed = permissions.statuses_user_may_set(self.context["request"].user)
        if value not in allowed:
            raise serializers.ValidationError(
                f'You cannot set "{AgencyAction.Status(value).label}"; you may set: '
                + ", ".join(AgencyAction.Status(s).label for s in allowed)
                + "."
            )
        return value


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "kind", "author", "created_at", "note", "status", "rag", "due_date"]


class ActionUpdateCreate(TrackerAPIView, APIView):
    """POST /api/learning/actions/<id>/updates/ — 201, or 403, 409 (stale version) or 400."""

    def post(self, request, pk):
        action = get_object_or_404(AgencyAction, pk=pk)
        if not permissions.can_update_action(request.user, action):
            raise PermissionDenied(
                "Only the leads of this action's agency and the business unit may update it."
            )
        given = ProgressUpdateInput(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            update = services.post_update(
                action,
                request.user,
                version=data["version"],
                status=data["status"],
                rag=data.get("rag"),
                note=data["note"],
            )
        except services.StaleVersion as stale:
            return Response(
                {
                    "detail": str(stale),
                    "current_version": stale.action.version,
                    "changes": ProgressUpdateSerializer(stale.changes(), many=True).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except services.ActionRuleError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        body = ProgressUpdateSerializer(update).data
        body["action"] = ActionSerializer(
            AgencyAction.objects.with_context().with_partnership().get(pk=action.pk),
            context={"request": request},
        ).data
        return Response(body, status=status.HTTP_201_CREATED)
