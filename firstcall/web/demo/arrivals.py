"""Chapter two: planning every delivery the demo's leads arrive by (web forms, vendors, ads, retries, broken payloads)."""

import json
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from firstcall.leads.submission import ConsentInput, LeadSubmission
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.web.demo.borrowers import (
    CREDIT_BAND_WEIGHTS,
    CREDIT_BAND_WORDS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    HISPANIC_FIRST_NAMES,
    HISPANIC_LAST_NAMES,
    LAST_NAMES,
    NOTES,
    PRICE_RANGE,
    SPANISH_LEANING_STATES,
    STATE_WEIGHTS,
    ZIPS_BY_STATE,
    Borrower,
    PlannedSubmission,
    _state_of,
    _zone_for_state,
)
from firstcall.web.demo.cast import FRESH_WINDOW
from firstcall.web.demo.sources import SOURCES


class PlannedArrivals:
    # --- planning the deliveries ---------------------------------------------------------------------------
    def _plan_submissions(self) -> list[PlannedSubmission]:
        rng = self.rng
        planned: list[PlannedSubmission] = []
        source_keys = [plan.key for plan in SOURCES]
        source_weights = [plan.weight for plan in SOURCES]
        for index in range(self.lead_count):
            borrower = self._new_borrower()
            # Skewed towards recent days (a growing pipeline); a handful in the last 45 minutes.
            if index < max(3, self.lead_count // 60):
                age = timedelta(minutes=self.clock.uniform(1, 45))
            else:
                age = timedelta(days=89.9 * self.clock.random() ** 1.25) + FRESH_WINDOW
            received_at = self._business_time(self.now - age, borrower)
            source_key = rng.choices(source_keys, source_weights)[0]
            planned.append(self._plan(borrower, source_key, received_at))

        # Returning borrowers: a later inquiry from another source, merged into the same lead.
        for original in rng.sample(planned, k=max(2, self.lead_count // 12)):
            later = original.received_at + timedelta(hours=self.clock.uniform(2, 24 * 12))
            borrower = original.borrower
            if rng.random() < 0.4 and borrower.email:
                # A new mobile number: matched on email, the new number kept as another phone.
                borrower = Borrower(
                    **{**borrower.__dict__, "phone": self._phone(borrower.state, borrower.zip_code)}
                )
            other_source = rng.choice([key for key in source_keys if key != original.source_key])
            returning = self._plan(borrower, other_source, min(later, self.now - timedelta(minutes=1)))
            if later < self.now:
                planned.append(returning)

        # Vendor retries: the same delivery (same vendor lead id) arriving again a minute later.
        retriable = [item for item in planned if item.source_key in ("exchange", "marketplace")]
        for original in rng.sample(retriable, k=min(len(retriable), max(1, self.lead_count // 100))):
            retried_at = original.received_at + timedelta(seconds=65)
            if retried_at < self.now:
                planned.append(PlannedSubmission(**{**original.__dict__, "received_at": retried_at}))

        for index in range(max(6, self.lead_count // 50)):  # every broken example at least once
            planned.append(self._plan_rejected(index))
        planned.sort(key=lambda item: item.received_at)
        return planned

    def _new_borrower(self) -> Borrower:
        rng = self.rng
        state = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
        zip_code = rng.choice(list(ZIPS_BY_STATE[state]))
        hispanic = rng.random() < (0.35 if state in SPANISH_LEANING_STATES else 0.12)
        for _attempt in range(40):  # two different borrowers with one name in one ZIP would (rightly) merge
            if hispanic:
                first, last = rng.choice(HISPANIC_FIRST_NAMES), rng.choice(HISPANIC_LAST_NAMES)
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if (first, last, zip_code) not in self.used_names:
                break
        self.used_names.add((first, last, zip_code))
        language = "es" if hispanic and rng.random() < 0.45 else "en"
        has_email = rng.random() > 0.05
        has_phone = not has_email or rng.random() > 0.06
        return Borrower(
            first_name=first,
            last_name=last,
            email=self._email(first, last) if has_email else "",
            phone=self._phone(state, zip_code) if has_phone else "",
            state=state,
            zip_code=zip_code,
            language=language,
            is_veteran=rng.random() < 0.09,
        )

    def _email(self, first: str, last: str) -> str:
        def ascii_lower(text: str) -> str:
            folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
            return "".join(char for char in folded.lower() if char.isalnum())

        first_part, last_part = ascii_lower(first), ascii_lower(last)
        patterns = [
            f"{first_part}.{last_part}",
            f"{first_part}{last_part}",
            f"{first_part[0]}{last_part}",
            f"{first_part}_{last_part}",
        ]
        local = self.rng.choice(patterns)
        while True:
            email = f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email
            local = f"{local.rstrip('0123456789')}{self.rng.randint(1, 99)}"

    def _phone(self, state: str, zip_code: str) -> str:
        """A fictional 555-01xx number with an area code of the borrower's city, typed in varied styles."""
        area_codes = ZIPS_BY_STATE[state][zip_code]
        for _attempt in range(60):
            area_code = self.rng.choice(area_codes)
            line = f"01{self.rng.randint(0, 99):02d}"
            e164 = f"+1{area_code}555{line}"
            if e164 not in self.used_phones:
                break
        else:  # this city's fictional numbers are used up (very large --leads): any valid number will do
            while True:
                area_code = self.rng.choice(area_codes)
                line = f"{self.rng.randint(0, 9999):04d}"
                exchange = str(self.rng.randint(201, 989))
                try:
                    e164 = normalise_phone(f"+1{area_code}{exchange}{line}")
                except InvalidPhone:  # e.g. an N11 exchange
                    continue
                if e164 not in self.used_phones:
                    self.used_phones.add(e164)
                    return e164
        self.used_phones.add(e164)
        style = self.rng.randrange(4)
        return [
            f"({area_code}) 555-{line}",
            f"{area_code}-555-{line}",
            f"{area_code}555{line}",
            f"+1 {area_code} 555 {line}",
        ][style]

    def _business_time(self, moment: datetime, borrower: Borrower) -> datetime:
        """Move a moment to a plausible local hour (7am-10pm) for the borrower, never into the future."""
        zone = ZoneInfo(_zone_for_state(borrower.state))
        local = moment.astimezone(zone)
        if 7 <= local.hour < 22 or self.now - moment < timedelta(hours=3):
            return moment
        local = local.replace(hour=self.clock.randint(8, 20), minute=self.clock.randint(0, 59))
        shifted = local.astimezone(ZoneInfo("UTC"))
        while shifted >= self.now:
            shifted -= timedelta(days=1)
        return max(shifted, self.now - timedelta(days=89, hours=23))

    def _plan(self, borrower: Borrower, source_key: str, received_at: datetime) -> PlannedSubmission:
        rng = self.rng
        purpose = rng.choices(
            ["purchase", "rate_term_refinance", "cash_out_refinance", "heloc"], [60, 15, 15, 10]
        )[0]
        low, high = PRICE_RANGE[borrower.state]
        price = Decimal(rng.randrange(low, high, 5) * 1000)
        fields: dict = {
            "first_name": borrower.first_name,
            "last_name": borrower.last_name,
            "email": borrower.email,
            "phone": borrower.phone,
            "zip": borrower.zip_code,
            "purpose": purpose,
            "preferred_language": borrower.language,
            "property_type": rng.choices(
                ["single_family", "condo", "townhouse", "multi_family", "manufactured"], [64, 16, 12, 5, 3]
            )[0],
            "property_use": rng.choices(["primary", "second_home", "investment"], [85, 6, 9])[0],
            "veteran": borrower.is_veteran,
            "employment_type": rng.choices(["w2", "self_employed", "retired", "military"], [70, 18, 8, 4])[0],
        }
        if borrower.is_veteran and rng.random() < 0.3:
            fields["employment_type"] = "military"
        if purpose == "purchase":
            down_share = rng.choice(
                [Decimal("0.035"), Decimal("0.05"), Decimal("0.10"), Decimal("0.20"), Decimal("0.25")]
            )
            fields.update(
                purchase_price=price,
                down_payment=(price * down_share).quantize(Decimal("1000")),
                first_time_buyer=rng.random() < 0.42,
                has_real_estate_agent=rng.random() < 0.55,
                timeframe=rng.choices(
                    ["asap", "30_days", "90_days", "6_months", "12_months_plus"], [12, 24, 34, 20, 10]
                )[0],
            )
            loan_type = rng.choices(["conventional", "fha", "usda", "not_sure"], [50, 28, 4, 18])[0]
            if borrower.is_veteran and rng.random() < 0.7:
                loan_type = "va"
            if price - fields["down_payment"] > Decimal("832750"):  # 2026 baseline conforming limit (FHFA)
                loan_type = "jumbo"
        else:
            value = price * Decimal(rng.choice(["0.9", "1.0", "1.1", "1.25"]))
            fields.update(
                property_value=value.quantize(Decimal("1000")),
                loan_balance=(value * Decimal(rng.uniform(0.25, 0.72))).quantize(Decimal("1000")),
                timeframe=rng.choices(["asap", "30_days", "90_days", "unknown"], [30, 40, 20, 10])[0],
            )
            loan_type = (
                "conventional"
                if purpose == "heloc"
                else rng.choice(["conventional", "fha", "va", "not_sure"])
            )
            if loan_type == "va" and not borrower.is_veteran:
                loan_type = "conventional"
        fields["loan_type"] = loan_type
        if rng.random() < 0.5:
            fields["credit_band"] = rng.choices(CREDIT_BAND_WORDS, CREDIT_BAND_WEIGHTS)[0]
        else:
            fields["credit_score"] = rng.randint(585, 812)
        if rng.random() < 0.45:
            income = Decimal(rng.randrange(48, 260)) * 1000
            fields["annual_income"] = income
            fields["monthly_debts"] = Decimal(rng.randrange(150, 2400, 25))
        if rng.random() < 0.18:
            fields["notes"] = rng.choice(NOTES[:-1] if borrower.language != "es" else NOTES)
        if purpose == "purchase" and borrower.state in ("FL", "GA") and rng.random() < 0.3:
            # Rita, the demo's real-estate agent, works the Tampa Bay and Atlanta markets.
            fields["referral_partner_email"] = self.users["partner"].email

        submission, body, content_type, headers, remote_ip = self._channel_shape(
            source_key, fields, received_at
        )
        return PlannedSubmission(
            source_key, received_at, submission, body, content_type, headers, remote_ip, borrower=borrower
        )

    def _consent(self, source_key: str, received_at: datetime) -> ConsentInput | None:
        rng = self.rng
        if source_key == "open_house":
            return None  # a paper sign-in sheet carries no electronic consent
        sms = rng.random() > 0.12
        return ConsentInput(
            sms=sms,
            email=True,
            calls=sms or rng.random() > 0.5,
            text=self.organisation.consent_text(),
            ip=f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}",
            user_agent=rng.choice(
                [
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15",
                    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
                ]
            ),
            page_url={
                "website": "https://www.demo-home-loans.example.com/get-started",
                "marketplace": "https://marketplace.example.com/lenders/demo-home-loans",
                "exchange": "https://exchange.example.net/compare-rates",
            }.get(source_key, ""),
            trusted_form_url=(
                f"https://cert.trustedform.com/{rng.getrandbits(160):040x}"
                if source_key in ("exchange", "marketplace")
                else ""
            ),
            leadid_token=(f"{rng.getrandbits(128):032x}" if source_key == "exchange" else ""),
        )

    def _channel_shape(self, source_key: str, fields: dict, received_at: datetime):
        """The submission plus what the raw request of that channel would have looked like."""
        rng = self.rng
        consent = self._consent(source_key, received_at)
        utm: dict = {}
        external_id = ""
        gclid = ""
        plain = {key: (str(value) if isinstance(value, Decimal) else value) for key, value in fields.items()}
        state = _state_of(fields["zip"])
        if source_key == "website":
            utm = rng.choice([{"source": "organic"}, {"source": "newsletter", "medium": "email"}, {}])
            body = urlencode({**plain, "consent": "on" if consent and consent.sms else ""})
            content_type, headers = "application/x-www-form-urlencoded", {"user-agent": consent.user_agent}
            remote_ip = consent.ip
        elif source_key == "marketplace":
            external_id = f"ZM-{rng.randint(10**8, 10**9 - 1)}"
            body = json.dumps({**plain, "external_id": external_id, "consent": consent.__dict__})
            content_type = "application/json"
            headers = {"x-api-key": "[redacted]", "user-agent": "marketplace-delivery/3.2"}
            remote_ip = f"198.51.100.{rng.randint(10, 40)}"
        elif source_key == "google":
            external_id = f"{rng.getrandbits(64):x}"
            gclid = f"Cj0KCQiA{rng.getrandbits(96):024x}"
            utm = {
                "source": "google",
                "medium": "cpc",
                "campaign": f"{fields['purpose'].replace('_', '-')}-{state.lower()}",
            }
            columns = [
                ("FIRST_NAME", fields["first_name"]),
                ("LAST_NAME", fields["last_name"]),
                ("EMAIL", fields["email"]),
                ("PHONE_NUMBER", fields["phone"]),
                ("POSTAL_CODE", fields["zip"]),
            ]
            body = json.dumps(
                {
                    "lead_id": external_id,
                    "api_version": "1.0",
                    "form_id": 40217,
                    "campaign_id": 21133700,
                    "adgroup_id": 15520001,
                    "creative_id": 68881,
                    "gcl_id": gclid,
                    "google_key": "[redacted]",
                    "is_test": False,
                    "user_column_data": [
                        {"column_id": column, "string_value": value} for column, value in columns if value
                    ],
                }
            )
            content_type, headers = "application/json", {"user-agent": "Google-Ads-Lead-Forms"}
            remote_ip = f"203.0.113.{rng.randint(10, 40)}"
        elif source_key == "meta":
            external_id = str(rng.randint(10**15, 10**16 - 1))
            utm = {
                "source": rng.choice(["facebook", "instagram"]),
                "medium": "paid_social",
                "campaign": f"first-home-{state.lower()}",
            }
            epoch = int(received_at.timestamp())
            body = json.dumps(
                {
                    "object": "page",
                    "entry": [
                        {
                            "id": "104729",
                            "time": epoch,
                            "changes": [
                                {
                                    "field": "leadgen",
                                    "value": {
                                        "leadgen_id": external_id,
                                        "page_id": "104729",
                                        "form_id": "88231",
                                        "created_time": epoch,
                                    },
                                }
                            ],
                        }
                    ],
                }
            )
            content_type = "application/json"
            headers = {"x-hub-signature-256": "sha256=…", "user-agent": "facebookexternalua"}
            remote_ip = f"203.0.113.{rng.randint(41, 80)}"
        elif source_key == "exchange":
            external_id = f"LT-{rng.randint(10**7, 10**8 - 1)}"
            vendor_fields = {
                "LeadID": external_id,
                "FirstName": fields["first_name"],
                "LastName": fields["last_name"],
                "EmailAddress": fields["email"],
                "HomePhone": fields["phone"],
                "PropertyZip": fields["zip"],
                "LoanPurpose": fields["purpose"],
                "CreditRating": fields.get("credit_band", fields.get("credit_score")),
                "PurchasePrice": plain.get("purchase_price", ""),
                "PropertyValue": plain.get("property_value", ""),
                "TCPAConsent": "Y" if consent.sms else "N",
                "TrustedFormCertURL": consent.trusted_form_url,
                "LeadiD": consent.leadid_token,
            }
            body = urlencode(vendor_fields)
            content_type, headers = "application/x-www-form-urlencoded", {"user-agent": "exchange-poster/1.9"}
            remote_ip = f"198.51.100.{rng.randint(41, 80)}"
        else:  # open house CSV
            columns = ["first_name", "last_name", "email", "phone", "zip", "purpose", "notes"]
            body = ",".join(columns) + "\n" + ",".join(f'"{plain.get(column, "")}"' for column in columns)
            content_type, headers, remote_ip = "text/csv", {}, ""
        submission = LeadSubmission(
            **fields,
            external_id=external_id or None,
            utm=utm,
            gclid=gclid or None,
            consent=consent,
        )
        return submission, body, content_type, headers, remote_ip

    def _plan_rejected(self, index: int) -> PlannedSubmission:
        """Broken deliveries an admin would see on the intake screen, each kept with its reasons."""
        rng = self.rng
        examples = [
            {"first_name": "Maria", "last_name": "Gomez", "email": "maria.gomez@@example", "zip": "3360"},
            {"first_name": "Terrence", "last_name": "Hall", "purpose": "purchase", "zip": "75201"},
            {
                "first_name": "Quinn",
                "last_name": "Foster",
                "phone": "555-1234",
                "purpose": "lease",
                "zip": "10001",
            },
            {
                "first_name": "Hannah",
                "last_name": "Reed",
                # Unreachable (no valid phone or email): refused; the odd score and price alone would only be
                # kept as sent with warnings.
                "email": "hreed@example",
                "credit_score": "912",
                "purchase_price": "about 300k",
                "zip": "33602",
            },
            {"first_name": "", "last_name": "", "email": "no-name@example.org", "zip": "85004"},
        ]
        if index % (len(examples) + 1) == len(examples):
            # A delivery with a wrong API key: kept and flagged, never a lead.
            payload = {
                "first_name": "Kyle",
                "last_name": "Ward",
                "email": "kyle.ward@example.net",
                "zip": "78701",
            }
            return PlannedSubmission(
                "marketplace",
                self.now - timedelta(days=self.clock.uniform(0, 30)),
                LeadSubmission(**payload),
                json.dumps(payload),
                "application/json",
                {"x-api-key": "[redacted]"},
                "198.51.100.99",
                is_signature_valid=False,
            )
        payload = examples[index % len(examples)]
        return PlannedSubmission(
            "marketplace",
            self.now - timedelta(days=self.clock.uniform(0, 30)),
            LeadSubmission(**payload),
            json.dumps(payload),
            "application/json",
            {"x-api-key": "[redacted]", "user-agent": "marketplace-delivery/3.2"},
            f"198.51.100.{rng.randint(10, 40)}",
        )

    # --- capture -------------------------------------------------------------------------------------------
