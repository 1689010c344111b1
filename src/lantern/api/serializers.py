from __future__ import annotations

from rest_framework import serializers

from lantern.people.models import Address, Identifier, Person, SourceRecord


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["reference", "given_name", "family_name", "date_of_birth", "sex"]


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Identifier
        fields = ["scheme", "value", "is_valid", "problem"]


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["line1", "line2", "town", "postcode", "valid_from", "valid_to"]


class SourceRecordSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)
    addresses = AddressSerializer(many=True, read_only=True, source="shown_addresses")
    postcode = serializers.CharField(read_only=True, source="shown_postcode")
    address_hidden = serializers.BooleanField(
        read_only=True,
        help_text="True: the person's safe-contact settings hide every address of theirs from "
        "the caller; ask the lead worker. `addresses` is empty and `postcode` blank.",
    )

    class Meta:
        model = SourceRecord
        fields = [
            "agency",
            "local_id",
            "version",
            "given_name",
            "family_name",
            "other_names",
            "date_of_birth",
            "sex",
            "postcode",
            "received_at",
            "identifiers",
            "addresses",
            "address_hidden",
        ]


class EventSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    agency = serializers.CharField()
    restricted = serializers.BooleanField(help_text="True: held by another agency; not described.")
    event_type = serializers.CharField(allow_null=True)
    summary = serializers.CharField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    place = serializers.CharField(allow_null=True)


class RelationshipSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()
    relationship = serializers.CharField()
    recorded_by = serializers.CharField()


class PersonDetailSerializer(serializers.Serializer):
    person = PersonSummarySerializer()
    source_records = SourceRecordSerializer(many=True)
    records_not_shared_held_by = serializers.ListField(child=serializers.CharField())
    relationships = RelationshipSerializer(many=True)
    timeline = EventSerializer(many=True)


class PeopleSearchQuerySerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    identifier = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def validate_date_of_birth(self, value):
        from lantern.core import clock

        if value and value > clock.today():
            raise serializers.ValidationError("Date of birth cannot be in the future")
        return value

    def validate(self, attrs):
        if not any(attrs.get(f) for f in ("name", "date_of_birth", "postcode", "identifier")):
            raise serializers.ValidationError(
                "Give at least one of name, date_of_birth, postcode or identifier"
            )
        return attrs


class MatchQuerySerializer(serializers.Serializer):
    """Details of a person, as typed at the front door."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    sex = serializers.ChoiceField(choices=["M", "F", "U", ""], required=False, allow_blank=True)
    identifier = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def validate_date_of_birth(self, value):
        from lantern.core import clock

        if value and value > clock.today():
            raise serializers.ValidationError("Date of birth cannot be in the future")
        return value

    def validate_identifier(self, value):
        from lantern.people.selectors import identifier_candidates

        if value.strip() and not identifier_candidates(value):
            raise serializers.ValidationError(
                "This is not a valid NHS number, unique pupil number or PNC ID"
            )
        return value.strip()

    def validate(self, attrs):
        if not any(attrs.get(f) for f in ("date_of_birth", "postcode", "identifier")):
            raise serializers.ValidationError(
                "Give a date_of_birth, a postcode or an identifier as well as the names"
            )
        return attrs


class EvidenceSerializer(serializers.Serializer):
    comparison = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField(help_text="log2 Bayes factor: above 0 for, below 0 against")
    direction = serializers.CharField()


class MatchSerializer(serializers.Serializer):
    reference = serializers.CharField(source="person.reference")
    given_name = serializers.CharField(source="person.given_name")
    family_name = serializers.CharField(source="person.family_name")
    date_of_birth = serializers.DateField(source="person.date_of_birth", allow_null=True)
    match_probability = serializers.FloatField(source="probability")
    match_weight = serializers.FloatField(source="weight")
    strength = serializers.CharField()
    matched_agency = serializers.CharField(source="agency")
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, match) -> list[dict]:
        return EvidenceSerializer([*match.evidence_for, *match.evidence_against], many=True).data
