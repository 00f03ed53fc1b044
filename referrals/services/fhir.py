"""A referral as a FHIR R4 Bundle, shaped like the SDOH Clinical Care IG's closed-loop referral:
a ServiceRequest (what is asked), a Task (its progress, with statusReason), the Consent, a minimal Patient
and the two Organizations. A partner's export holds only what the consent allows, like any other view.
"""

from __future__ import annotations

import datetime as dt

from referrals.services.consents import consent_status
from referrals.services.referrals import referral_events
from referrals.services.views import REDISCLOSURE_NOTICE, usable_contact_methods
from referrals.tables import Client, Consent

__all__ = ["referral_bundle"]

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


def _instant(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _organization(resource_id: str, name: str) -> dict:
    return {"resourceType": "Organization", "id": resource_id, "active": True, "name": name}


def _patient(client: dict | None, client_id: str) -> dict:
    patient: dict = {"resourceType": "Patient", "id": client_id}
    if client is None:
        return patient
    patient["name"] = [{"text": client["preferred_name"]}]
    telecom = [
        {"system": TELECOM_SYSTEM[m.method], "value": m.value}
        for m in usable_contact_methods(client["contact_methods"])
        if m.method in TELECOM_SYSTEM
    ]
    if telecom:
        patient["telecom"] = telecom
    if client["preferred_language"]:
        patient["communication"] = [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": client["preferred_language"]}]}}
        ]
    return patient


def _consent(consent: dict, patient_ref: str, partner_ref: str, now: dt.datetime) -> dict:
    provision: dict = {
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
                if consent["recipient_organization"]
                else {"display": consent["recipient_class"]},
            }
        ],
        "purpose": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT", "display": "treatment"}
        ],
    }
    if consent["expires_at"]:
        provision["period"] = {"end": _instant(consent["expires_at"])}
    return {
        "resourceType": "Consent",
        "id": str(consent["id"]),
        "status": "active" if consent_status(consent, now) == "active" else "inactive",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient_ref},
        "dateTime": _instant(consent["signed_at"]),
        "policy": [{"uri": "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"}],
        "provision": provision,
    }


async def referral_bundle(
    referral: dict, now: dt.datetime, base_url: str, *, disclose_client: bool, include_goal: bool
) -> dict:
    """The FHIR R4 collection Bundle of one referral; client details only when disclose_client."""
    referral_id = str(referral["id"])
    client_id = str(referral["client"])
    patient_ref = f"Patient/{client_id}"
    partner_ref = f"Organization/{referral['partner_organization']}"
    team_ref = f"Organization/{referral['care_team']}"
    client = await Client.select().where(Client.id == referral["client"]).first() if disclose_client else None
    events = await referral_events(referral["id"])
    last_change = next((e for e in reversed(events) if e["from_status"] != e["to_status"]), events[-1])

    service_request: dict = {
        "resourceType": "ServiceRequest",
        "id": referral_id,
        "status": SERVICE_REQUEST_STATUS.get(referral["status"], "active"),
        "intent": "order",
        "priority": referral["priority"],
        "category": [{"coding": [SDOH_CATEGORY]}],
        "subject": {"reference": patient_ref},
        "authoredOn": _instant(referral["created_at"]),
        "requester": {"reference": team_ref},
        "performer": [{"reference": partner_ref, "display": referral["service_name"]}],
        "note": [{"text": REDISCLOSURE_NOTICE}],
    }
    if disclose_client:
        service_request["code"] = {"text": f"Referral for {referral['need']}: {referral['service_name']}"}
        if referral["appointment_at"]:
            service_request["occurrenceDateTime"] = _instant(referral["appointment_at"])
    if include_goal and referral["goal"]:
        service_request["patientInstruction"] = referral["goal"]

    task: dict = {
        "resourceType": "Task",
        "id": referral_id,
        "status": referral["status"],
        "intent": "order",
        "priority": referral["priority"],
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}],
        },
        "focus": {"reference": f"ServiceRequest/{referral_id}"},
        "for": {"reference": patient_ref},
        "authoredOn": _instant(referral["created_at"]),
        "lastModified": _instant(referral["updated_at"]),
        "requester": {"reference": team_ref},
        "owner": {"reference": partner_ref},
    }
    if last_change["reason_code"]:
        task["statusReason"] = {
            "coding": [{"system": REASON_SYSTEM, "code": last_change["reason_code"]}],
            "text": last_change["reason_text"] if disclose_client else last_change["reason_code"],
        }

    resources = [
        service_request,
        task,
        _patient(client, client_id),
        _organization(str(referral["partner_organization"]), referral["partner_name"]),
        _organization(str(referral["care_team"]), referral["care_team_name"]),
    ]
    if referral["consent"]:
        consent = await Consent.select().where(Consent.id == referral["consent"]).first()
        resources.append(_consent(consent, patient_ref, partner_ref, now))
    return {
        "resourceType": "Bundle",
        "id": referral_id,
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [
            {"fullUrl": f"{base_url.rstrip('/')}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources
        ],
    }
