"""A referral as a FHIR R4 Bundle, shaped like the SDOH Clinical Care IG's closed-loop referral:
a ServiceRequest (what is asked), a Task (its progress, with statusReason), the Consent, a minimal Patient
and the two Organizations.

The bundle is rendered from the caller's view of the referral (`ReferralOut` for the care team,
`PartnerReferralOut` for a partner), never from the database rows, so it cannot carry more than the JSON
view does: a partner's Patient is the per-organization client reference, with a name and contacts only
while the consent covers them, and the care team's reason texts stay with the care team.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from referrals.schemas import ClientSummary, ConsentSummary, PartnerReferralOut, ReferralOut
from referrals.services.views import REDISCLOSURE_NOTICE

__all__ = ["READABLE_RESOURCES", "FhirJson", "ReadableResource", "readable_resource", "referral_bundle"]

SDOH_CATEGORY = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-category",
    "code": "sdoh",
    "display": "SDOH",
}
SERVICE_REQUEST_STATUS = {
    "draft": "draft",
    "entered-in-error": "entered-in-error",
    "completed": "completed",
    "cancelled": "revoked",
    "rejected": "revoked",
    "failed": "revoked",
}
"""Task status -> ServiceRequest status (everything else is active)."""
TELECOM_SYSTEM = {"phone": "phone", "text": "sms", "email": "email"}
REASON_SYSTEM = "urn:resource-directory:referral-status-reason"

FhirJson = dict[str, Any]
"""A FHIR resource or element as JSON, built here and only encoded after (never read back)."""

ReadableResource = Literal["ServiceRequest", "Task"]
READABLE_RESOURCES: tuple[ReadableResource, ...] = get_args(ReadableResource)
"""The Bundle's resources that can also be read on their own (`GET /fhir/{type}/{id}`), so their fullUrl resolves."""


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _organization(resource_id: str, name: str) -> FhirJson:
    return {"resourceType": "Organization", "id": resource_id, "active": True, "name": name}


def _patient(patient_id: str, client: ClientSummary | None) -> FhirJson:
    patient: FhirJson = {"resourceType": "Patient", "id": patient_id}
    if client is None:
        return patient
    patient["name"] = [{"text": client.preferred_name}]
    telecom = [
        {"system": TELECOM_SYSTEM[m.method], "value": m.value}
        for m in client.contact_methods
        if m.method in TELECOM_SYSTEM
    ]
    if telecom:
        patient["telecom"] = telecom
    if client.preferred_language:
        patient["communication"] = [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": client.preferred_language}]}}
        ]
    return patient


def _consent(consent: ConsentSummary, patient_ref: str, partner_ref: str) -> FhirJson:
    provision: FhirJson = {
        "type": "permit",
        "actor": [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "IRCP",
                            "display": "information recipient",
                        }
                    ]
                },
                "reference": {"reference": partner_ref}
                if consent.recipient_organization_id
                else {"display": consent.recipient_class},
            }
        ],
        "purpose": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT", "display": "treatment"}
        ],
    }
    if consent.expires_at:
        provision["period"] = {"end": _instant(consent.expires_at)}
    return {
        "resourceType": "Consent",
        "id": consent.id,
        "status": "active" if consent.status == "active" else "inactive",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": _instant(consent.signed_at),
        "policy": [{"uri": "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"}],
        "provision": provision,
    }


def _references(view: ReferralOut | PartnerReferralOut) -> tuple[str, str, str, str]:
    """(Patient id, Patient reference, the partner's reference, the care team's reference) as the caller sees them."""
    if isinstance(view, ReferralOut):
        patient_id, care_team_id = view.client_id, view.care_team_id
    else:
        patient_id, care_team_id = view.client_reference, view.referred_by_id
    return (
        patient_id,
        f"Patient/{patient_id}",
        f"Organization/{view.partner_organization_id}",
        f"Organization/{care_team_id}",
    )


def _service_request(view: ReferralOut | PartnerReferralOut) -> FhirJson:
    """What is asked: the need, the service, the appointment and (when the view holds it) the client's goal."""
    _, patient_ref, partner_ref, team_ref = _references(view)
    need, goal = view.need, view.goal
    service_request: FhirJson = {
        "resourceType": "ServiceRequest",
        "id": view.id,
        "status": SERVICE_REQUEST_STATUS.get(view.status, "active"),
        "intent": "order",
        "priority": view.priority,
        "category": [{"coding": [SDOH_CATEGORY]}],
        "subject": {"reference": patient_ref},
        "authoredOn": _instant(view.created_at),
        "requester": {"reference": team_ref},
        "performer": [{"reference": partner_ref, "display": view.service_name}],
        "note": [{"text": REDISCLOSURE_NOTICE}],
    }
    if need is not None:
        service_request["code"] = {"text": f"Referral for {need}: {view.service_name}"}
        if view.appointment_at:
            service_request["occurrenceDateTime"] = _instant(view.appointment_at)
    if goal:
        service_request["patientInstruction"] = goal
    return service_request


def _task(view: ReferralOut | PartnerReferralOut) -> FhirJson:
    """Its progress: the status, and the reason of the last change that gave one."""
    _, patient_ref, partner_ref, team_ref = _references(view)
    changes = [e for e in view.timeline if e.from_status != e.to_status]
    last_change = changes[-1] if changes else None
    task: FhirJson = {
        "resourceType": "Task",
        "id": view.id,
        "status": view.status,
        "intent": "order",
        "priority": view.priority,
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "focus": {"reference": f"ServiceRequest/{view.id}"},
        "for": {"reference": patient_ref},
        "authoredOn": _instant(view.created_at),
        "lastModified": _instant(view.updated_at),
        "requester": {"reference": team_ref},
        "owner": {"reference": partner_ref},
    }
    if last_change is not None and last_change.reason_code:
        task["statusReason"] = {
            "coding": [{"system": REASON_SYSTEM, "code": last_change.reason_code}],
            "text": last_change.reason_text or last_change.reason_code,
        }
    return task


def readable_resource(view: ReferralOut | PartnerReferralOut, resource_type: ReadableResource) -> FhirJson:
    """The referral's ServiceRequest or Task, exactly as its Bundle holds it."""
    return _service_request(view) if resource_type == "ServiceRequest" else _task(view)


def referral_bundle(view: ReferralOut | PartnerReferralOut, now: dt.datetime, base_url: str) -> FhirJson:
    """The FHIR R4 collection Bundle of one referral, holding exactly what `view` holds. The fullUrls of its
    ServiceRequest and Task resolve (`base_url` is where `GET /fhir/{type}/{id}` answers)."""
    patient_id, patient_ref, partner_ref, _ = _references(view)
    if isinstance(view, ReferralOut):
        care_team_id, care_team_name = view.care_team_id, view.care_team_name
    else:
        care_team_id, care_team_name = view.referred_by_id, view.referred_by
    client = view.client
    service_request, task = _service_request(view), _task(view)

    resources = [
        service_request,
        task,
        _patient(patient_id, client),
        _organization(view.partner_organization_id, view.partner_organization_name),
        _organization(care_team_id, care_team_name),
    ]
    if view.consent is not None:
        resources.append(_consent(view.consent, patient_ref, partner_ref))
    return {
        "resourceType": "Bundle",
        "id": view.id,
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [
            {"fullUrl": f"{base_url.rstrip('/')}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
