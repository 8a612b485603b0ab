from django.apps import AppConfig


class BidsConfig(AppConfig):
    name = "bids"

    def ready(self) -> None:
        from bids.services.keys import opening_key_at_publication
        from tenders.hooks import register_publication_step

        # A published tender gets its opening key once its committee has registered keys.
        register_publication_step(opening_key_at_publication)

        from bids.services.opening import opening_resume_due, opening_resume_fire
        from workflows.timers import register_deadline

        # An opening interrupted by a crash (k shares in, bids partly decrypted) is finished by
        # the next timer tick: opening_run is idempotent and resumes where it stopped.
        register_deadline("bids.opening_resume", opening_resume_due, opening_resume_fire)

        # Evaluation/award: GWB §134 standstill end (standstill → awarded), lapsed §56 requests.
        from bids.services.award import standstill_due, standstill_fire
        from bids.services.evaluation import document_request_lapse, document_requests_due

        register_deadline("bids.standstill_end", standstill_due, standstill_fire)
        register_deadline(
            "bids.document_request_lapse", document_requests_due, document_request_lapse
        )
