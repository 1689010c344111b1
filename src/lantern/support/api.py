"""The survivor support API: support plans (a list and one plan in full), the directory of
services, the steps of a referral to a service, and safe-contact settings. Mounted under
/api/v1/ (api_urls.py).

Through the same selectors and services (and audit) as the pages. A plan is its lead
agency's: anyone else gets 404, and it is in no list of theirs. A refusal answers 400
naming the field (`ended_on`, `service`, `phone`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lantern.people.models import Person

from . import selectors, services
from .models import Service, ServiceReferral, SupportPlan

PK = OpenApiParameter("pk", int, OpenApiParameter.PATH)
REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH)
SHOW = OpenApiParameter(
    "show",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=list(selectors.SHOWS),
    description="mine (default): open plans you lead; open: your agency's open plans; "
    "ended: your agency's ended plans",
)


def _valid(serializer: serializers.Serializer) -> dict:
    if not serializer.is_valid():
        raise ValidationError(
            {
                key: [str(e) for e in (errors if isinstance(errors, list) else [errors])]
                for key, errors in serializer.errors.items()
            }
        )
    return serializer.validated_data


# ---------------------------------------------------------------- shapes
class SupportPersonOutSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)


class SupportPlanSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = SupportPersonOutSerializer()
    agency = serializers.CharField(help_text="The lead agency's code")
    lead_worker = serializers.CharField(help_text="The lead worker's username")
    status = serializers.CharField(help_text="open or ended")
    adult = serializers.BooleanField(allow_null=True, help_text="18 or over today")
    opened_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    next_review_on = serializers.DateField(allow_null=True)
    review_overdue = serializers.BooleanField()
    referrals_waiting = serializers.IntegerField()
    referrals_to_chase = serializers.IntegerField()


class SupportNeedOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.CharField()
    description = serializers.CharField()
    in_her_words = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)


class SupportGoalOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    target_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    closed_on = serializers.DateField(allow_null=True)


class SupportReferralOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service = serializers.CharField(help_text="The service's code")
    service_name = serializers.CharField()
    provider = serializers.CharField()
    status = serializers.CharField(
        help_text="sent, accepted, declined, started, ended or withdrawn"
    )
    reason = serializers.CharField()
    referred_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    declined_reason = serializers.CharField(allow_blank=True)
    expected_start_on = serializers.DateField(allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField(allow_blank=True)
    wait = serializers.CharField(help_text="The wait in words")
    chase_on = serializers.DateField(
        allow_null=True, help_text="When it is (next) chased if there is no answer"
    )
    times_chased = serializers.IntegerField()


class SupportContactOutSerializer(serializers.Serializer):
    happened_at = serializers.DateTimeField()
    method = serializers.CharField()
    summary = serializers.CharField()


class SupportReviewOutSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    summary = serializers.CharField()
    her_view = serializers.CharField(allow_blank=True)
    next_review_on = serializers.DateField(allow_null=True)


class SupportEngagementOutSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    start_reason = serializers.CharField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField(allow_blank=True)


class SupportSafeContactOutSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="The settings in one line")
    phone = serializers.CharField(allow_blank=True)
    times = serializers.CharField(allow_blank=True)
    may_call = serializers.BooleanField()
    may_text = serializers.BooleanField()
    may_leave_message = serializers.BooleanField()
    may_post = serializers.BooleanField()
    may_email = serializers.BooleanField()
    email = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)
    address_hidden = serializers.BooleanField(
        help_text="Her address is shown only to her lead worker"
    )
    address_hidden_from_you = serializers.BooleanField()
    hide_reason = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField()


class SupportPlanSerializer(SupportPlanSummarySerializer):
    summary = serializers.CharField()
    age_status = serializers.CharField(
        allow_blank=True, help_text="Child, Adult survivor, or Now an adult survivor"
    )
    review_every_months = serializers.IntegerField()
    needs = SupportNeedOutSerializer(many=True)
    goals = SupportGoalOutSerializer(many=True)
    referrals = SupportReferralOutSerializer(many=True)
    contacts = SupportContactOutSerializer(many=True)
    reviews = SupportReviewOutSerializer(many=True)
    engagements = SupportEngagementOutSerializer(many=True)
    safe_contact = SupportSafeContactOutSerializer(allow_null=True)


def _person(person: Person) -> dict:
    return {
        "reference": person.reference,
        "name": person.full_name,
        "date_of_birth": person.date_of_birth,
    }


def _summary(plan: SupportPlan, adult, overdue: bool, waiting: int, to_chase: int) -> dict:
    return {
        "id": plan.pk,
        "person": _person(plan.person),
        "agency": plan.agency.code,
        "lead_worker": plan.lead_worker.username,
        "status": "open" if plan.is_open else "ended",
        "adult": adult,
        "opened_at": plan.opened_at,
        "ended_at": plan.ended_at,
        "next_review_on": plan.next_review_on,
        "review_overdue": overdue,
        "referrals_waiting": waiting,
        "referrals_to_chase": to_chase,
    }


def _safe_contact(found: selectors.SafeContactView | None) -> dict | None:
    if found is None:
        return None
    s = found.settings
    return {
        "summary": found.headline,
        "phone": s.phone,
        "times": s.times,
        "may_call": s.may_call,
        "may_text": s.may_text,
        "may_leave_message": s.may_leave_message,
        "may_post": s.may_post,
        "may_email": s.may_email,
        "email": s.email,
        "notes": s.notes,
        "address_hidden": s.hide_address,
        "address_hidden_from_you": found.hidden_from_user,
        "hide_reason": s.hide_reason,
        "recorded_at": s.recorded_at,
    }


def _referral(row: selectors.ReferralRow) -> dict:
    r = row.referral
    return {
        "id": r.pk,
        "service": r.service.code,
        "service_name": r.service.name,
        "provider": r.service.provider.name,
        "status": r.status,
        "reason": r.reason,
        "referred_at": r.referred_at,
        "answered_at": r.answered_at,
        "declined_reason": r.declined_reason,
        "expected_start_on": r.expected_start_on,
        "started_on": r.started_on,
        "ended_on": r.ended_on,
        "end_reason": r.end_reason,
        "wait": row.wait,
        "chase_on": row.chase_on,
        "times_chased": r.times_chased,
    }


def _plan(view: selectors.PlanView) -> dict:
    plan = view.plan
    waiting = sum(1 for row in view.referrals if row.referral.status in services.WAITING)
    to_chase = sum(1 for row in view.referrals if row.chase_overdue)
    return {
        **_summary(plan, view.age.adult, view.review_overdue, waiting, to_chase),
        "summary": plan.summary,
        "age_status": view.age.label,
        "review_every_months": plan.review_every_months,
        "needs": [
            {
                "id": n.pk,
                "area": n.area,
                "description": n.description,
                "in_her_words": n.in_her_words,
                "recorded_at": n.recorded_at,
                "met_at": n.met_at,
            }
            for n in view.needs
        ],
        "goals": [
            {
                "id": g.pk,
                "description": g.description,
                "target_on": g.target_on,
                "status": g.status,
                "closed_on": g.closed_on,
            }
            for g in view.goals
        ],
        "referrals": [_referral(row) for row in view.referrals],
        "contacts": [
            {"happened_at": c.happened_at, "method": c.method, "summary": c.summary}
            for c in view.contacts
        ],
        "reviews": [
            {
                "held_on": r.held_on,
                "summary": r.summary,
                "her_view": r.her_view,
                "next_review_on": r.next_review_on,
            }
            for r in view.reviews
        ],
        "engagements": [
            {
                "started_at": e.started_at,
                "start_reason": e.start_reason,
                "ended_at": e.ended_at,
                "end_reason": e.end_reason,
            }
            for e in view.engagements
        ],
        "safe_contact": _safe_contact(view.safe_contact),
    }


# ---------------------------------------------------------------- plans
class PlanList(APIView):
    """The support plans the caller's agency holds: the open plans they lead (show=mine),
    the agency's open plans (open), or its ended plans (ended)."""

    @extend_schema(
        operation_id="support_plans_list",
        parameters=[SHOW],
        responses=inline_serializer(
            "SupportPlans",
            {
                "show": serializers.CharField(),
                "counts": serializers.DictField(child=serializers.IntegerField()),
                "results": SupportPlanSummarySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        show = request.query_params.get("show") or "mine"
        if show not in selectors.SHOWS:
            raise ValidationError({"show": [f"Use one of: {', '.join(selectors.SHOWS)}"]})
        rows, counts = selectors.plan_list(user=request.user, show=show, action="api")
        results = [_summary(r.plan, r.adult, r.review_overdue, r.waiting, r.to_chase) for r in rows]
        return Response(
            {
                "show": show,
                "counts": counts,
                "results": SupportPlanSummarySerializer(results, many=True).data,
            }
        )


def _plan_view(request, pk: int) -> selectors.PlanView:
    try:
        return selectors.plan_view(user=request.user, pk=pk, action="api")
    except SupportPlan.DoesNotExist:
        raise Http404 from None


class PlanDetail(APIView):
    """One support plan in full: needs, goals, referrals with their waits, contacts,
    reviews, the spells of support, and her safe-contact settings."""

    @extend_schema(
        operation_id="support_plan_retrieve", parameters=[PK], responses=SupportPlanSerializer
    )
    def get(self, request, pk: int):
        return Response(SupportPlanSerializer(_plan(_plan_view(request, pk))).data)


# ---------------------------------------------------------------- the directory
class SupportServiceOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField()
    provider_kind = serializers.CharField()
    category = serializers.CharField()
    for_children = serializers.BooleanField()
    for_adults = serializers.BooleanField()
    accepting = serializers.BooleanField()
    capacity = serializers.IntegerField()
    in_use = serializers.IntegerField(help_text="Referrals started and not ended")
    free = serializers.IntegerField()
    waiting_for_answer = serializers.IntegerField()
    waiting_to_start = serializers.IntegerField()
    typical_wait_weeks = serializers.IntegerField()
    measured_wait_weeks = serializers.FloatField(
        allow_null=True, help_text="Median wait from referral to start in the last year"
    )
    answer_within_days = serializers.IntegerField()


class Directory(APIView):
    """The directory of services: capacity in use, waiting and waits. Counts only."""

    @extend_schema(
        operation_id="support_services_list",
        parameters=[
            OpenApiParameter("category", str, OpenApiParameter.QUERY, required=False),
            OpenApiParameter(
                "for", str, OpenApiParameter.QUERY, required=False, enum=["children", "adults"]
            ),
        ],
        responses=SupportServiceOutSerializer(many=True),
    )
    def get(self, request):
        rows = selectors.directory(
            category=request.query_params.get("category", ""),
            audience=request.query_params.get("for", ""),
        )
        return Response(
            SupportServiceOutSerializer(
                [
                    {
                        "code": r.service.code,
                        "name": r.service.name,
                        "provider": r.service.provider.name,
                        "provider_kind": r.service.provider.kind,
                        "category": r.service.category,
                        "for_children": r.service.for_children,
                        "for_adults": r.service.for_adults,
                        "accepting": r.service.accepting,
                        "capacity": r.service.capacity,
                        "in_use": r.in_use,
                        "free": r.free,
                        "waiting_for_answer": r.waiting_answer,
                        "waiting_to_start": r.waiting_start,
                        "typical_wait_weeks": r.service.typical_wait_weeks,
                        "measured_wait_weeks": r.measured_wait_weeks,
                        "answer_within_days": r.service.answer_within_days,
                    }
                    for r in rows
                ],
                many=True,
            ).data
        )


# ---------------------------------------------------------------- referral steps
class SupportReferralInSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="The service's code, from the directory")
    reason = serializers.CharField(allow_blank=True)


class SupportAnswerInSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    expected_start_on = serializers.DateField(required=False, allow_null=True, default=None)
    declined_reason = serializers.CharField(required=False, allow_blank=True, default="")


class SupportStartInSerializer(serializers.Serializer):
    started_on = serializers.DateField()


class SupportEndInSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class SupportWithdrawInSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


def _plan_for_change(request, pk: int) -> SupportPlan:
    found = selectors.plans_visible_to(request.user, "api").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class PlanReferrals(APIView):
    """Refer her to a service: it must be taking referrals and suit her age."""

    @extend_schema(
        operation_id="support_plan_referral_send",
        parameters=[PK],
        request=SupportReferralInSerializer,
        responses={201: SupportPlanSerializer},
    )
    def post(self, request, pk: int):
        plan = _plan_for_change(request, pk)
        data = _valid(SupportReferralInSerializer(data=request.data))
        service = Service.objects.filter(code=data["service"]).first()
        if service is None:
            raise ValidationError({"service": [f"There is no service {data['service']!r}"]})
        services.referral_send(
            actor=request.user, plan=plan, service=service, reason=data["reason"]
        )
        return Response(SupportPlanSerializer(_plan(_plan_view(request, pk))).data, status=201)


def _referral_for_change(request, pk: int) -> ServiceReferral:
    found = (
        ServiceReferral.objects.filter(
            pk=pk, plan__in=selectors.plans_visible_to(request.user, "api")
        )
        .select_related("plan", "service")
        .first()
    )
    if found is None:
        raise Http404
    return found


class _ReferralStep(APIView):
    serializer_class: type[serializers.Serializer]

    def act(self, request, referral: ServiceReferral, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        referral = _referral_for_change(request, pk)
        self.act(request, referral, _valid(self.serializer_class(data=request.data)))
        return Response(SupportPlanSerializer(_plan(_plan_view(request, referral.plan_id))).data)


def _step_schema(name: str, serializer, what: str):
    return extend_schema(
        operation_id=f"support_referral_{name}",
        parameters=[PK],
        request=serializer,
        responses=SupportPlanSerializer,
        description=what,
    )


class ReferralAnswer(_ReferralStep):
    serializer_class = SupportAnswerInSerializer

    @_step_schema("answer", SupportAnswerInSerializer, "The service accepted or declined.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, referral, data):
        services.referral_answer(actor=request.user, referral=referral, **data)


class ReferralStart(_ReferralStep):
    serializer_class = SupportStartInSerializer

    @_step_schema("start", SupportStartInSerializer, "Her first session with the service.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, referral, data):
        services.referral_start(actor=request.user, referral=referral, **data)


class ReferralEnd(_ReferralStep):
    serializer_class = SupportEndInSerializer

    @_step_schema("end", SupportEndInSerializer, "The service ended: not before it started.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, referral, data):
        services.referral_end(actor=request.user, referral=referral, **data)


class ReferralWithdraw(_ReferralStep):
    serializer_class = SupportWithdrawInSerializer

    @_step_schema("withdraw", SupportWithdrawInSerializer, "Withdraw a referral not yet started.")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, referral, data):
        services.referral_withdraw(actor=request.user, referral=referral, **data)


# ---------------------------------------------------------------- safe contact
class SupportSafeContactInSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    times = serializers.CharField(required=False, allow_blank=True, default="")
    may_call = serializers.BooleanField(required=False, default=True)
    may_text = serializers.BooleanField(required=False, default=True)
    may_leave_message = serializers.BooleanField(required=False, default=False)
    may_post = serializers.BooleanField(required=False, default=False)
    may_email = serializers.BooleanField(required=False, default=False)
    email = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    hide_address = serializers.BooleanField(required=False, default=False)
    hide_reason = serializers.CharField(required=False, allow_blank=True, default="")


SafeContactReply = inline_serializer(
    "SupportSafeContact",
    {
        "person": serializers.CharField(help_text="The person's reference"),
        "safe_contact": SupportSafeContactOutSerializer(allow_null=True),
    },
)


class SafeContactDetail(APIView):
    """How and when she may be contacted safely: for anyone who may contact her (GET), and
    recorded by anyone who may view her (POST: a new version; the earlier ones stay)."""

    def _person(self, request, reference: str) -> Person:
        try:
            return selectors.person_for_support(user=request.user, reference=reference)
        except Person.DoesNotExist:
            raise Http404 from None

    def _reply(self, request, person: Person, status: int = 200):
        found = selectors.safe_contact_for(user=request.user, person=person)
        return Response(
            {"person": person.reference, "safe_contact": _safe_contact(found)}, status=status
        )

    @extend_schema(
        operation_id="support_safe_contact_retrieve",
        parameters=[REFERENCE],
        responses=SafeContactReply,
    )
    def get(self, request, reference: str):
        return self._reply(request, self._person(request, reference))

    @extend_schema(
        operation_id="support_safe_contact_set",
        parameters=[REFERENCE],
        request=SupportSafeContactInSerializer,
        responses={201: SafeContactReply},
    )
    def post(self, request, reference: str):
        person = self._person(request, reference)
        data = _valid(SupportSafeContactInSerializer(data=request.data))
        try:
            services.safe_contact_set(actor=request.user, person=person, **data)
        except Person.DoesNotExist:
            raise Http404 from None
        return self._reply(request, person, status=201)
